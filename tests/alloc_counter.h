// Counts heap allocations made on the current thread while it is armed: operator new and the C
// allocator (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign, free), since OpenBLAS
// and C code allocate with malloc. Include from exactly one .cpp per test binary: it defines the
// replacements. The counter is per thread (a thread_local flag), so a control thread allocating
// concurrently is never counted against the stepping thread.
//
// Under ASan/TSan the sanitizer owns malloc and the C-allocator hooks are left out (only operator new
// is counted); the plain build checks the C allocator.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define DRUMRNN_TEST_HOOKS_MALLOC 0
#else
#define DRUMRNN_TEST_HOOKS_MALLOC 1
#endif

namespace alloc_counter {

inline thread_local bool t_armed = false;
inline std::atomic<long> g_count{0};

inline void note() {
  if (t_armed) g_count.fetch_add(1, std::memory_order_relaxed);
}

// Arms the calling thread for its lifetime; count() is what was allocated on it meanwhile.
class Armed {
 public:
  Armed() : start_(g_count.load()) { t_armed = true; }
  ~Armed() { t_armed = false; }
  long count() const { return g_count.load() - start_; }

 private:
  long start_;
};

}  // namespace alloc_counter

#if DRUMRNN_TEST_HOOKS_MALLOC
// glibc's own entry points: what malloc would call had we not replaced it.
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);

void* malloc(size_t n) {
  alloc_counter::note();
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
  alloc_counter::note();
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
  alloc_counter::note();
  return __libc_realloc(p, n);
}
void free(void* p) {
  if (p) alloc_counter::note();
  __libc_free(p);
}
void* memalign(size_t alignment, size_t n) {
  alloc_counter::note();
  return __libc_memalign(alignment, n);
}
void* aligned_alloc(size_t alignment, size_t n) {
  alloc_counter::note();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, size_t alignment, size_t n) {
  alloc_counter::note();
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return 22;  // EINVAL
  void* p = __libc_memalign(alignment, n);
  if (!p) return 12;  // ENOMEM
  *out = p;
  return 0;
}
}
#endif

void* operator new(size_t n) {
  alloc_counter::note();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
