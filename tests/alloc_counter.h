// Counts heap allocations made by the calling thread while it is armed: operator new (every form)
// and malloc/calloc/realloc/aligned allocations all go through the counter. A test that proves a
// DRUMRNN_RT function allocation-free arms it around the call:
//   alloc_counter_arm(true); sampler.render(l, r, 64); alloc_counter_arm(false);
//   CHECK(alloc_counter_count() == 0);
// Link the drumrnn_alloc_counter object library (tests/CMakeLists.txt, ALLOC_COUNTING_TESTS): it
// replaces the allocator of the whole executable.
#pragma once
#include <cstddef>

// Under ASan/TSan the sanitizer owns malloc, so only operator new is counted (alloc_counter.cpp).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr bool kAllocCounterSeesMalloc = false;
#else
constexpr bool kAllocCounterSeesMalloc = true;
#endif

// Arming resets this thread's count; disarming keeps it for alloc_counter_count().
void alloc_counter_arm(bool armed);
// Allocations by this thread since it was last armed.
size_t alloc_counter_count();

namespace alloc_counter {

// Arms the calling thread for the object's lifetime; count() is what this thread allocated meanwhile.
class Armed {
 public:
  Armed() { alloc_counter_arm(true); }
  ~Armed() { alloc_counter_arm(false); }
  long count() const { return static_cast<long>(alloc_counter_count()); }
};

}  // namespace alloc_counter
