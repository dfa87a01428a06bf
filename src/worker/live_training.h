// Train while playing: a Worker job that builds a dataset from a folder of MIDI (with a held-back
// eval split), trains from the playing model (when its layers match the hparams) or from scratch,
// evaluates at every checkpoint, and hands the newest weights to `on_swap` when the eval loss beat
// the last swapped model's, at most every `swap_every` steps unless a swap was asked for. The run
// folder is exactly what `drumrnn train` writes (RUN/train checkpoints, RUN/eval scalars), so
// `drumrnn train --run_dir RUN` resumes it and `drumrnn evaluate` evaluates it.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ml/drum_rnn.h"
#include "worker/worker.h"

namespace drumrnn {

struct LiveTrainingOptions {
  std::string midi_dir;                        // --train-on DIR
  std::string run_dir = "drumrnn-data/live-run";
  std::string hparams;                         // empty: the playing model's, else drum_kit's defaults
  std::string init_model;                      // the playing model's file; "" = from scratch
  int swap_every = 100;                        // steps between checkpoints, evaluations and swaps
  int64_t num_training_steps = 0;              // 0 = until cancelled
  double eval_ratio = 0.1;
  uint64_t seed = 0;
};

// Shared between the job (worker thread) and whoever shows it (panel, service thread): lock-free.
struct LiveTrainingControl {
  std::atomic<bool> swap_requested{false};  // "Swap now": the next improved checkpoint goes in now
  std::atomic<int64_t> swaps{0};
  std::atomic<int64_t> last_swap_step{-1};
  std::atomic<double> last_swap_eval_loss{NAN};
  std::atomic<double> best_eval_loss{NAN};
};

struct ModelSwap {
  int64_t step = 0;
  double eval_loss = NAN;
  std::string checkpoint;
};

class LiveTrainingJob final : public Job {
 public:
  // Called on the worker thread with a model loaded back from the checkpoint just written; it should
  // only hand it on (GenerationService::swap_model) and queue a line to print.
  using SwapFn = std::function<void(std::shared_ptr<const DrumRnn>, const ModelSwap&)>;
  LiveTrainingJob(LiveTrainingOptions options, std::shared_ptr<LiveTrainingControl> control, SwapFn on_swap);

  std::string name() const override { return "train"; }
  // Throws (one line) on a folder with no usable MIDI, bad hparams, or a run that went non-finite;
  // the playing model is untouched in every case.
  void run(const WorkerContext& context, JobObserver& observer) override;

  int64_t final_step() const { return final_step_; }  // after take_finished()

 private:
  LiveTrainingOptions options_;
  std::shared_ptr<LiveTrainingControl> control_;
  SwapFn on_swap_;
  int64_t final_step_ = 0;
};

}  // namespace drumrnn
