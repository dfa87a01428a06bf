// Render cost of the sampler (and the master limiter) per 64-frame block with 32 voices sounding,
// as a share of the 1.33 ms a 64-frame period lasts at 48 kHz.
//   build/bench_sampler [blocks]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_common.h"
#include "realtime/limiter.h"
#include "realtime/sampler.h"
#include "realtime/synth_kit.h"

using namespace drumrnn::rt;

int main(int argc, char** argv) {
  const int blocks = argc > 1 ? std::max(100, std::atoi(argv[1])) : 20000;
  constexpr int kRate = 48000, kFrames = 64, kVoices = 32;
  const Kit kit = make_synth_kit(kRate);
  Sampler sampler(kVoices);
  sampler.set_kit(&kit);
  sampler.set_retrigger_cut(false);  // overlapping hits, so 32 voices can sound at once
  Limiter limiter(kRate);
  std::vector<float> l(kFrames), r(kFrames);

  using clock = std::chrono::steady_clock;
  clock::duration sampler_time{}, limiter_time{};
  long voice_blocks = 0;
  int cls = 0;
  for (int b = 0; b < blocks; ++b) {
    // Keep the pool full with the long classes (open hat, crash, ride), cycling through the rest too.
    while (sampler.active_voices() < kVoices) sampler.trigger((cls++ % 3 == 0) ? 3 + (cls % 2) * 4 : 8, 1.0f);
    voice_blocks += sampler.active_voices();
    std::fill(l.begin(), l.end(), 0.0f);
    std::fill(r.begin(), r.end(), 0.0f);
    const auto t0 = clock::now();
    sampler.render(l.data(), r.data(), kFrames);
    const auto t1 = clock::now();
    limiter.process(l.data(), r.data(), kFrames);
    const auto t2 = clock::now();
    sampler_time += t1 - t0;
    limiter_time += t2 - t1;
  }
  const double period_us = 1e6 * kFrames / kRate;
  auto us = [&](clock::duration d) { return std::chrono::duration<double, std::micro>(d).count() / blocks; };
  std::printf("command: %s %d\nmachine: %s\n", argv[0], blocks, drumrnn::bench::cpu_model().c_str());
  std::printf("%-28s %10s %14s\n", "stage (64 frames, 48 kHz)", "us/block", "share of 1.33ms");
  std::printf("%-28s %10.2f %13.2f%%\n", "sampler, 32 voices", us(sampler_time), 100 * us(sampler_time) / period_us);
  std::printf("%-28s %10.2f %13.2f%%\n", "limiter", us(limiter_time), 100 * us(limiter_time) / period_us);
  std::printf("mean active voices: %.1f\n", double(voice_blocks) / blocks);
  return 0;
}
