#include "switchyard/providers/sse.hpp"

namespace switchyard::providers {

namespace {
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
}  // namespace

void SseCutter::feed(std::string_view bytes) {
  if (start_ > 0) {
    if (start_ == buf_.size()) {
      buf_.clear();  // everything consumed: keep the capacity
      start_ = scan_ = 0;
    } else if (start_ >= buf_.size() - start_) {
      // At least half of the buffer is consumed: moving the rest costs no more than the bytes
      // already handed out, so cutting stays linear in the stream's length.
      buf_.erase(0, start_);
      scan_ -= start_;
      start_ = 0;
    }
  }
  buf_.append(bytes);
}

void SseCutter::skipByteOrderMark() {
  bom_checked_ = true;
  if (std::string_view(buf_).substr(start_).starts_with(kByteOrderMark))
    start_ = scan_ = start_ + 3;
}

std::optional<SseEvent> SseCutter::next() {
  if (overflowed_) return std::nullopt;
  if (!bom_checked_) {
    std::string_view head = std::string_view(buf_).substr(start_, 3);
    if (head.size() < 3 && kByteOrderMark.starts_with(head)) return std::nullopt;  // undecided
    skipByteOrderMark();
  }
  for (;;) {
    const std::size_t nl = buf_.find('\n', scan_);
    if (nl == std::string::npos) break;
    const bool blank = nl == scan_ || (nl == scan_ + 1 && buf_[scan_] == '\r');
    scan_ = nl + 1;
    if (!blank) {
      content_ = true;
    } else if (!content_) {
      start_ = scan_;  // a blank line with no event before it
    } else {
      if (scan_ - start_ > max_event_) {
        overflowed_ = true;
        return std::nullopt;
      }
      const std::size_t begin = start_;
      start_ = scan_;
      content_ = false;
      return parse(begin, scan_);
    }
  }
  if (buf_.size() - start_ > max_event_) overflowed_ = true;
  return std::nullopt;
}

std::optional<SseEvent> SseCutter::rest() {
  if (overflowed_) return std::nullopt;
  if (!bom_checked_) skipByteOrderMark();
  std::string_view left = std::string_view(buf_).substr(start_);
  if (left.find_first_not_of(" \r\n") == std::string_view::npos) {
    start_ = scan_ = buf_.size();
    content_ = false;
    return std::nullopt;
  }
  // End the last line, then add the blank line, in the event's own line-end style.
  if (left.ends_with("\r\n")) {
    buf_ += "\r\n";
  } else if (left.ends_with('\n')) {
    buf_ += '\n';
  } else if (left.ends_with('\r')) {
    buf_ += "\n\r\n";
  } else {
    buf_ += "\n\n";
  }
  const std::size_t begin = start_;
  start_ = scan_ = buf_.size();
  content_ = false;
  return parse(begin, buf_.size());
}

SseEvent SseCutter::parse(std::size_t begin, std::size_t end) {
  SseEvent ev;
  ev.raw = std::string_view(buf_).substr(begin, end - begin);
  std::string_view lines = ev.raw, first_data;
  std::size_t data_lines = 0;
  while (!lines.empty()) {
    const std::size_t nl = lines.find('\n');
    std::string_view line = lines.substr(0, nl);
    lines = nl == std::string_view::npos ? std::string_view{} : lines.substr(nl + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty() || line.front() == ':') continue;  // the blank line; comments
    const std::size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon), value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (value.starts_with(' ')) value.remove_prefix(1);
    }
    if (field == "event") {
      ev.name = value;
    } else if (field == "data") {
      // One data line (nearly every event) is a view into the buffer; more are joined.
      if (data_lines == 0) {
        first_data = value;
      } else {
        if (data_lines == 1) data_.assign(first_data);
        data_ += '\n';
        data_.append(value);
      }
      ++data_lines;
    }
  }
  ev.data = data_lines > 1 ? std::string_view(data_) : first_data;
  return ev;
}

}  // namespace switchyard::providers
