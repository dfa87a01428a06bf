// The machine's fp32 peak, so training figures can be given as a share of it:
//   sgemm  a long OpenBLAS sgemm (N^3, best of a few) on all cores: the best a real kernel reaches;
//   fma    independent FMA chains in registers on every core (AVX-512 and AVX2 where the CPU has
//          them): close to the theoretical peak, no memory traffic at all.
//
//   fp32_peak [--n 2048] [--repeats 5] [--threads N] [--seconds 0.5] [--quiet]
//
// Prints a small table; the last line is "peak_gflops <sgemm> <fma>" for scripts
// (bench/run_benchmarks.sh reads it). --quiet prints only that line.
#include "bench_common.h"
#include <algorithm>
#include <atomic>
#include <cblas.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// C[n,n] = A[n,n] B[n,n]: 2 n^3 flops. Returns the best GFLOP/s of `repeats` calls.
double sgemm_gflops(int n, int repeats, int threads) {
  openblas_set_num_threads(threads);
  std::vector<float> a(size_t(n) * n), b(a.size()), c(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = float(i % 7) * 0.25f - 0.5f;
    b[i] = float(i % 5) * 0.125f - 0.25f;
  }
  double best = 0;
  for (int r = 0; r <= repeats; ++r) {  // r == 0 warms up threads and caches
    const auto t0 = clock_type::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f,
                c.data(), n);
    const double s = seconds_since(t0);
    if (r > 0) best = std::max(best, 2.0 * n * n * double(n) / s / 1e9);
  }
  if (c[size_t(n) * n / 2] == 12345.0f) std::puts("");  // keep the result alive
  return best;
}

// 12 independent accumulators hide the FMA latency (4-5 cycles) on two FMA pipes. Each loop
// iteration does 12 vector FMAs of `lanes` floats: 24 * lanes flops.
constexpr int kChains = 12;
constexpr long kInner = 1 << 14;

__attribute__((target("avx512f"))) double fma_avx512(long iters, float seed) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(seed + float(i));
  const __m512 m = _mm512_set1_ps(0.999999f), k = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, k);
  __m512 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm512_add_ps(s, acc[i]);
  return double(_mm512_reduce_add_ps(s));
}

__attribute__((target("avx2,fma"))) double fma_avx2(long iters, float seed) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(seed + float(i));
  const __m256 m = _mm256_set1_ps(0.999999f), k = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, k);
  __m256 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return double(out[0] + out[7]);
}

// Runs `kernel` on `threads` threads for about `seconds`; returns GFLOP/s over all of them.
double fma_gflops(double (*kernel)(long, float), int lanes, int threads, double seconds) {
  // Calibrate the per-thread iteration count on one thread.
  long iters = kInner;
  for (;;) {
    const auto t0 = clock_type::now();
    kernel(iters, 1.0f);
    if (seconds_since(t0) > seconds / 4 || iters > (1L << 40)) break;
    iters *= 2;
  }
  iters *= 4;
  std::atomic<double> sink{0};
  double best = 0;
  for (int r = 0; r < 3; ++r) {
    std::vector<std::thread> pool;
    const auto t0 = clock_type::now();
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const double v = kernel(iters, 1.0f + float(t));
        double cur = sink.load();
        while (!sink.compare_exchange_weak(cur, cur + v)) {
        }
      });
    for (auto& th : pool) th.join();
    const double s = seconds_since(t0);
    best = std::max(best, double(iters) * kChains * lanes * 2.0 * threads / s / 1e9);
  }
  if (sink.load() == 12345.0) std::puts("");
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2048, repeats = 5;
  int threads = int(std::max(1u, std::thread::hardware_concurrency()));
  double seconds = 0.5;
  bool quiet = false;
  std::string command = argv[0];
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    command += " " + a;
    if (a == "--quiet") {
      quiet = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "fp32_peak: %s needs a value (see the comment at the top of bench/fp32_peak.cpp)\n",
                   a.c_str());
      return 2;
    }
    const char* v = argv[++i];
    command += std::string(" ") + v;
    if (a == "--n") n = std::atoi(v);
    else if (a == "--repeats") repeats = std::atoi(v);
    else if (a == "--threads") threads = std::atoi(v);
    else if (a == "--seconds") seconds = std::atof(v);
    else {
      std::fprintf(stderr, "fp32_peak: unknown option %s (see the comment at the top of bench/fp32_peak.cpp)\n",
                   a.c_str());
      return 2;
    }
  }
  if (n < 64 || repeats < 1 || threads < 1 || seconds <= 0) {
    std::fprintf(stderr, "fp32_peak: --n must be >= 64, --repeats, --threads and --seconds positive\n");
    return 2;
  }

  const double gemm = sgemm_gflops(n, repeats, threads);
  double fma = 0;
  std::string fma_kind = "none";
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    fma = fma_gflops(fma_avx512, 16, threads, seconds);
    fma_kind = "AVX-512";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    const double f = fma_gflops(fma_avx2, 8, threads, seconds);
    if (f > fma) {
      fma = f;
      fma_kind = "AVX2";
    }
  }
  if (!quiet) {
    std::printf("# %s\n", command.c_str());
    std::printf("# machine: %s, %d threads; OpenBLAS %s\n", drumrnn::bench::cpu_model().c_str(), threads,
                openblas_get_config());
    std::printf("%-44s %12s\n", "measure", "GFLOP/s");
    std::printf("%-44s %12.1f\n", ("OpenBLAS sgemm " + std::to_string(n) + "^3, best of " + std::to_string(repeats))
                                      .c_str(),
                gemm);
    std::printf("%-44s %12.1f\n", ("FMA loop (" + fma_kind + ", " + std::to_string(kChains) + " chains)").c_str(),
                fma);
  }
  std::printf("peak_gflops %.1f %.1f\n", gemm, fma);
  return 0;
}
