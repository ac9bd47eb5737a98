// A shared library preloaded into the gateway under test (LD_PRELOAD) that counts the C++ heap
// allocations of the whole process: every operator new/new[] (sized, aligned, nothrow) is counted
// and served by malloc / aligned_alloc (the process's allocator, mimalloc in the build).
// A thread of its own writes the count to $SY_ALLOC_COUNT_FILE every 10 ms (write then rename),
// for tests/integration/alloc_test.cpp. No production code knows of it.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>

namespace {

std::atomic<unsigned long long> g_news{0};

void* counted(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* countedAligned(std::size_t n, std::align_val_t a) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  const auto align = static_cast<std::size_t>(a);
  const std::size_t size = (n + align - 1) / align * align;
  if (void* p = std::aligned_alloc(align, size ? size : align)) return p;
  throw std::bad_alloc();
}

void reporter(std::string path) {
  const std::string tmp = path + ".tmp";
  for (;;) {
    if (FILE* f = std::fopen(tmp.c_str(), "w")) {
      std::fprintf(f, "%llu\n", g_news.load(std::memory_order_relaxed));
      std::fclose(f);
      std::rename(tmp.c_str(), path.c_str());
    }
    ::usleep(10000);
  }
}

// Started before main; it takes no signal (the gateway handles them on its own threads).
[[gnu::constructor]] void start() {
  const char* path = std::getenv("SY_ALLOC_COUNT_FILE");
  if (!path || !*path) return;
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  std::thread(reporter, std::string(path)).detach();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace

void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) { return countedAligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return countedAligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
