// Where x86-only code (intrinsics, F16C, target_clones) may be compiled. Everything behind
// DRUMRNN_X86_SIMD has a portable path beside it, so the project builds on ARM; configuring with
// -DDRUMRNN_PORTABLE_ONLY=ON compiles only the portable paths on x86 too, to check they build and pass.
#pragma once

#if defined(__x86_64__) && !defined(DRUMRNN_PORTABLE_ONLY)
#define DRUMRNN_X86_SIMD 1
// An AVX2 clone of a plain loop beside the default one; the loader picks one (ifunc), so calls take
// no lock and test nothing at run time.
#if defined(__SANITIZE_THREAD__)
// Under TSan the ifunc resolver is instrumented but runs during relocation, before the TSan runtime
// is up, and crashes the program before main(): keep the default clone only.
#define DRUMRNN_CLONES_AVX2
#else
#define DRUMRNN_CLONES_AVX2 __attribute__((target_clones("avx2", "default")))
#endif
#else
#define DRUMRNN_X86_SIMD 0
#define DRUMRNN_CLONES_AVX2
#endif
