// process_* metrics from /proc (process_metrics.hpp).

#include "switchyard/telemetry/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace switchyard::telemetry {
namespace {

// Seconds since the epoch at which the machine booted (/proc/stat btime).
double bootTime() {
  std::ifstream in("/proc/stat");
  std::string key;
  double v = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> v;
      return v;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

void writeProcessMetrics(Exposition& out) {
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name "(...)": state is field 3; utime 14, stime 15, starttime 22,
  // vsize 23, rss 24 (pages).
  double utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
  if (auto close = stat.rfind(')'); close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::string f;
    for (int i = 3; fields >> f; ++i) {
      if (i == 14) utime = std::stod(f);
      if (i == 15) stime = std::stod(f);
      if (i == 22) start = std::stod(f);
      if (i == 23) vsize = std::stod(f);
      if (i == 24) {
        rss = std::stod(f);
        break;
      }
    }
  }
  std::size_t fds = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);

  out.family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
             MetricType::kCounter);
  out.sample("process_cpu_seconds_total", (utime + stime) / tick);
  out.family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::kGauge);
  out.sample("process_resident_memory_bytes", rss * page);
  out.family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::kGauge);
  out.sample("process_virtual_memory_bytes", vsize);
  out.family("process_open_fds", "Number of open file descriptors.", MetricType::kGauge);
  out.sample("process_open_fds", static_cast<double>(fds > 0 ? fds - 1 : 0));  // not the iterator's
  out.family("process_max_fds", "Maximum number of open file descriptors.", MetricType::kGauge);
  out.sample("process_max_fds", lim.rlim_cur == RLIM_INFINITY ? -1 : static_cast<double>(lim.rlim_cur));
  out.family("process_start_time_seconds",
             "Start time of the process since unix epoch in seconds.", MetricType::kGauge);
  out.sample("process_start_time_seconds", bootTime() + start / tick);
}

}  // namespace switchyard::telemetry
