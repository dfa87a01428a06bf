// Where x86-only code (intrinsics, F16C, target_clones) may be compiled. Everything behind
// DRUMRNN_X86_SIMD has a portable path beside it, so the project builds on ARM; configuring with
// -DDRUMRNN_PORTABLE_ONLY=ON compiles only the portable paths on x86 too, to check they build and pass.
#pragma once

#if defined(__x86_64__) && !defined(DRUMRNN_PORTABLE_ONLY)
#define DRUMRNN_X86_SIMD 1
#else
#define DRUMRNN_X86_SIMD 0
#endif

// An AVX2 clone of a plain loop beside the default one; the loader picks one (ifunc), so calls take
// no lock and test nothing at run time. Not in sanitizer builds (DRUMRNN_SANITIZED, set by
// -DDRUMRNN_SANITIZE): the instrumented resolver runs during relocation, before the sanitizer's
// runtime is up, and crashes the program before main.
#if DRUMRNN_X86_SIMD && !defined(DRUMRNN_SANITIZED) && !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define DRUMRNN_CLONES_AVX2 __attribute__((target_clones("avx2", "default")))
#else
#define DRUMRNN_CLONES_AVX2
#endif
