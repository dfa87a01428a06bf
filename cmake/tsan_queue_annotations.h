// Force-included in GCC ThreadSanitizer builds (CMakeLists.txt, DRUMRNN_SANITIZE=thread).
// readerwriterqueue orders its slots with std::atomic_thread_fence, which TSan does not model; it
// tells TSan about those fences through AnnotateHappensBefore/After, but only where __has_feature
// exists (clang, GCC 14+). On older GCC every handoff through a queue (controls, kits, loops, MIDI
// events) reads as a data race. These are the same definitions its atomicops.h uses under clang.
#pragma once
#if defined(__cplusplus) && defined(__SANITIZE_THREAD__) && !defined(__has_feature)
namespace moodycamel {
inline int ae_tsan_global;
}
extern "C" void AnnotateHappensBefore(const char*, int, void*);
extern "C" void AnnotateHappensAfter(const char*, int, void*);
#define AE_TSAN_ANNOTATE_RELEASE() AnnotateHappensBefore(__FILE__, __LINE__, (void*)(&::moodycamel::ae_tsan_global))
#define AE_TSAN_ANNOTATE_ACQUIRE() AnnotateHappensAfter(__FILE__, __LINE__, (void*)(&::moodycamel::ae_tsan_global))
#endif
