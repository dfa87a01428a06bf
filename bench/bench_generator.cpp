// Per-step latency of the streaming Generator (what the live engine waits on every drum step), on one
// pinned core with single-threaded BLAS, for drum_kit [64,64] and [256,256,256] with Glorot weights;
// and, when a Python with torch is found, the same batch-1 step in PyTorch (bench/pytorch_generator.py).
//
//   bench_generator [--steps 20000] [--warmup 2000] [--cpu N] [--attn_length 32] [--python PYTHON | --no-pytorch]
// --attn_length adds a row with Magenta's attention cell around layer 0 beside each plain one.
//
// PYTHON defaults to $TORCH_PYTHON, else python3. --cpu defaults to the last CPU.
#include "bench_common.h"
#include <algorithm>
#include <cblas.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <numeric>
#include <sched.h>
#include <string>
#include <sys/utsname.h>
#include <thread>
#include <vector>

#include "ml/drum_rnn.h"
#include "ml/generator.h"
#include "music/drum_encoding.h"

namespace {

using namespace drumrnn;

struct Latency {
  double median, p99, max, mean;  // µs
};

Latency summarize(std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  const auto at = [&](double q) { return us[std::min(us.size() - 1, size_t(q * double(us.size())))]; };
  return {at(0.5), at(0.99), us.back(), std::accumulate(us.begin(), us.end(), 0.0) / double(us.size())};
}

void print_row(const std::string& impl, const std::string& layers, const Latency& l) {
  std::printf("%-40s %-14s %9.1f %9.1f %9.1f %9.1f %10.0f\n", impl.c_str(), layers.c_str(), l.median, l.p99, l.max,
              l.mean, 1e6 / l.mean);
}

}  // namespace

int main(int argc, char** argv) {
  using drumrnn::bench::cpu_model;
  using drumrnn::bench::shell_quote;
  int steps = 20000, warmup = 2000, attn_length = 0;
  int cpu = int(std::max(1u, std::thread::hardware_concurrency())) - 1;
  bool pytorch = true;
  std::string python = std::getenv("TORCH_PYTHON") ? std::getenv("TORCH_PYTHON") : "python3";
  std::string command = argv[0];
  for (int i = 1; i < argc; ++i) {
    command += std::string(" ") + argv[i];
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--no-pytorch") pytorch = false;
    else if (has_value && a == "--steps") steps = std::max(1, std::atoi(argv[++i]));
    else if (has_value && a == "--warmup") warmup = std::atoi(argv[++i]);
    else if (has_value && a == "--cpu") cpu = std::atoi(argv[++i]);
    else if (has_value && a == "--attn_length") attn_length = std::max(0, std::atoi(argv[++i]));
    else if (has_value && a == "--python") python = argv[++i];
    else {
      std::fprintf(stderr, "usage: see the comment at the top of bench/bench_generator.cpp\n");
      return 2;
    }
    if (a != "--no-pytorch") command += std::string(" ") + argv[i];
  }

  openblas_set_num_threads(1);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const bool pinned = sched_setaffinity(0, sizeof set, &set) == 0;

  utsname u{};
  uname(&u);
  std::printf("# %s\n", command.c_str());
  std::printf("# machine: %s %s %s, %s, %u hardware threads; %s\n", u.sysname, u.release, u.machine,
              cpu_model().c_str(), std::thread::hardware_concurrency(),
              pinned ? ("pinned to CPU " + std::to_string(cpu)).c_str() : "not pinned");
  std::printf("# drum_kit, Glorot weights, temperature 1, default primer; %d warm-up + %d timed step() calls "
              "per row (steady_clock); latencies in microseconds\n", warmup, steps);
  std::printf("%-40s %-14s %9s %9s %9s %9s %10s\n", "implementation", "layers", "median", "p99", "max", "mean",
              "steps/s");

  const std::vector<std::vector<int>> shapes = {{64, 64}, {256, 256, 256}};
  const DrumConfig& c = drum_config("drum_kit");
  for (const auto& layers : shapes)
   for (int attn : attn_length > 0 ? std::vector<int>{0, attn_length} : std::vector<int>{0}) {
    auto model = std::make_shared<DrumRnn>(DrumRnnShape{&c, layers, attn});
    model->init_glorot(1);
    Generator gen(model, 1);
    int sink = 0;
    for (int k = 0; k < warmup; ++k) sink += gen.step().drum_class;
    std::vector<double> us(steps);
    for (int k = 0; k < steps; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      sink += gen.step().drum_class;
      us[k] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    }
    std::string name;
    for (int h : layers) name += (name.empty() ? "[" : ",") + std::to_string(h);
    name += "]";
    if (attn > 0) name += " attn " + std::to_string(attn);
    print_row("drumrnn Generator::step", name, summarize(us));
    if (sink == -1) std::printf("\n");  // keeps the calls observable
    std::fflush(stdout);
  }

  if (!pytorch) return 0;
  if (std::system((shell_quote(python) + " -c 'import torch' 2>/dev/null").c_str()) != 0) {
    std::printf("# PyTorch rows skipped: %s cannot import torch (set TORCH_PYTHON or --python)\n", python.c_str());
    return 0;
  }
  const std::string script = std::string(DRUMRNN_SOURCE_DIR) + "/bench/pytorch_generator.py";
  const std::string cmd = shell_quote(python) + " " + shell_quote(script) + " --steps " + std::to_string(steps) +
                          " --warmup " + std::to_string(warmup) + " --cpu " + std::to_string(cpu) + " --rows-only";
  return std::system(cmd.c_str()) == 0 ? 0 : 1;
}
