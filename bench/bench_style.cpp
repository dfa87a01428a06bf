// The CPU style path's figures: per-evaluation stage times at a given size, and a whole run
// (L-BFGS + Griffin-Lim) through run_style_transfer, as one JSON line for run_style_benchmark.sh.
//   bench_style --content C.wav --style S.wav [--seconds 10] [--filters 4096] [--iterations 300]
//               [--griffin_lim_iters 500] [--evals 3] [--skip-run] [--threads 0]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <string>
#include <vector>

#include "common/job.h"
#include "style/audio_file.h"
#include "style/stft.h"
#include "style/style_loss.h"
#include "style/style_transfer.h"

extern "C" void openblas_set_num_threads(int);

using namespace drumrnn;
using namespace drumrnn::style;

int main(int argc, char** argv) {
  std::string content_path, style_path;
  StyleSettings s;
  s.device = "cpu";
  int evals = 3;
  bool skip_run = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--content") content_path = next();
    else if (a == "--style") style_path = next();
    else if (a == "--seconds") s.seconds = std::atof(next().c_str());
    else if (a == "--filters") s.filters = std::atoi(next().c_str());
    else if (a == "--iterations") s.iterations = std::atoi(next().c_str());
    else if (a == "--griffin_lim_iters") s.phase_iterations = std::atoi(next().c_str());
    else if (a == "--evals") evals = std::atoi(next().c_str());
    else if (a == "--threads") s.threads = std::atoi(next().c_str());
    else if (a == "--skip-run") skip_run = true;
    else {
      std::fprintf(stderr, "bench_style: unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  if (content_path.empty() || style_path.empty()) {
    std::fprintf(stderr, "usage: bench_style --content C.wav --style S.wav [--seconds S] [--filters F] ...\n");
    return 2;
  }
  try {
    const auto content = read_mono(content_path, s.sample_rate, s.seconds).samples;
    const auto style = read_mono(style_path, s.sample_rate, s.seconds).samples;
    const int threads = s.threads > 0 ? s.threads : 0;
    openblas_set_num_threads(threads > 0 ? threads : int(std::thread::hardware_concurrency()));
    // Per-evaluation stage times (one warm-up evaluation first).
    const Stft stft(s.n_fft, true);
    const int max_frames = int(s.seconds * s.sample_rate / stft.hop());
    const int tc = std::min(stft.frames_for(int(content.size())), max_frames),
              ts = std::min(stft.frames_for(int(style.size())), max_frames);
    const auto xc = stft.log_magnitude(content.data(), int(content.size()), tc);
    const auto xs = stft.log_magnitude(style.data(), int(style.size()), ts);
    const NetworkShape shape{stft.bins(), s.filters, s.kernel_width, s.alpha};
    CpuStyleLoss loss(shape, random_filters(shape, s.seed), {xc.data(), tc}, {{xs.data(), ts}});
    std::vector<float> x(xc.size(), 1e-3f), g(xc.size());
    loss.evaluate(x.data(), g.data());
    const auto warm = loss.stage_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < evals; ++i) loss.evaluate(x.data(), g.data());
    const double eval_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / evals;
    const auto st = loss.stage_seconds();
    const double T = tc - s.kernel_width + 1, F = s.filters, C = stft.bins(), K = s.kernel_width;
    const double flops = 2 * 2 * T * F * C * K + T * F * F + 2 * T * F * F;  // conv ×2, SYRK, GEMM
    std::printf("{\"frames\": %d, \"filters\": %d, \"eval_s\": %.5f, \"eval_gflop\": %.3f, \"conv_s\": %.5f, "
                "\"gram_s\": %.5f, \"gram_grad_s\": %.5f, \"conv_grad_s\": %.5f, \"elementwise_s\": %.5f",
                tc, s.filters, eval_s, flops / 1e9, (st.conv - warm.conv) / evals, (st.gram - warm.gram) / evals,
                (st.gram_grad - warm.gram_grad) / evals, (st.conv_grad - warm.conv_grad) / evals,
                (st.elementwise - warm.elementwise) / evals);
    if (!skip_run) {
      const auto r = run_style_transfer(s, content, {style}, silent_job());
      std::printf(", \"lbfgs_s\": %.3f, \"evals\": %d, \"iterations\": %d, \"initial_loss\": %.6g, \"loss\": %.6g, "
                  "\"stop\": \"%s\", \"gl_s\": %.3f",
                  r.loss_seconds, r.optimisation.evaluations, r.optimisation.iterations, r.optimisation.initial_loss,
                  r.optimisation.loss, r.optimisation.stop.c_str(), r.phase_seconds);
    }
    std::printf("}\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_style: %s\n", e.what());
    return 1;
  }
  return 0;
}
