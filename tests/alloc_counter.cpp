// The allocator hooks behind alloc_counter.h. malloc and friends forward to glibc's __libc_*
// entry points, so the hooks need no dlsym and work before main(). The counter is thread_local:
// another thread's allocations (Catch2, a generator thread) never show up in the armed thread's count.
#include "alloc_counter.h"

#include <cerrno>
#include <cstdlib>
#include <new>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
// Plain (constant-initialized) thread_locals: reading them never allocates.
thread_local bool t_armed = false;
thread_local size_t t_count = 0;
inline void note() {
  if (t_armed) ++t_count;
}
}  // namespace

void alloc_counter_arm(bool armed) {
  if (armed) t_count = 0;
  t_armed = armed;
}
size_t alloc_counter_count() { return t_count; }

// Under ASan/TSan the sanitizer owns malloc: only operator new is counted there; the plain build
// checks the C allocator too.
#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
extern "C" {
void* malloc(size_t n) {
  note();
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
  note();
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
  note();
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
void* aligned_alloc(size_t alignment, size_t n) {
  note();
  return __libc_memalign(alignment, n);
}
void* memalign(size_t alignment, size_t n) {
  note();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, size_t alignment, size_t n) {
  note();
  void* p = __libc_memalign(alignment, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
}
#endif

// operator new must reach the sanitizer's allocator where there is one: memory that glibc hands to
// a second thread straight from __libc_malloc looks, to TSan, like a race with the first thread's
// last use of it.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
namespace {
void* raw_malloc(size_t n) { return std::malloc(n); }
void* raw_memalign(size_t alignment, size_t n) {
  void* p = nullptr;
  return posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, n) == 0 ? p : nullptr;
}
void raw_free(void* p) { std::free(p); }
}  // namespace
#else
namespace {
void* raw_malloc(size_t n) { return __libc_malloc(n); }
void* raw_memalign(size_t alignment, size_t n) { return __libc_memalign(alignment, n); }
void raw_free(void* p) { __libc_free(p); }
}  // namespace
#endif

namespace {
void* counted_new(size_t n) {
  note();
  if (void* p = raw_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* counted_new_aligned(size_t n, std::align_val_t a) {
  note();
  if (void* p = raw_memalign(static_cast<size_t>(a), n ? n : 1)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(size_t n) { return counted_new(n); }
void* operator new[](size_t n) { return counted_new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  note();
  return raw_malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  note();
  return raw_malloc(n ? n : 1);
}
void* operator new(size_t n, std::align_val_t a) { return counted_new_aligned(n, a); }
void* operator new[](size_t n, std::align_val_t a) { return counted_new_aligned(n, a); }
void operator delete(void* p) noexcept { raw_free(p); }
void operator delete[](void* p) noexcept { raw_free(p); }
void operator delete(void* p, size_t) noexcept { raw_free(p); }
void operator delete[](void* p, size_t) noexcept { raw_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { raw_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { raw_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { raw_free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { raw_free(p); }
