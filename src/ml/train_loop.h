// drumrnn train: Magenta's drums_rnn_train loop (facts §7) with checkpoints that resume, TensorBoard
// scalars, and a clean stop on cancel. It prints nothing and handles no signals: progress, report
// lines and errors go to a JobObserver, and observer.cancelled() stops it (src/app/cmd_train.cpp
// prints and turns Ctrl-C into cancel(); the background worker runs it on its own thread).
#pragma once
#include <cstdint>
#include <string>

#include "common/job.h"

namespace drumrnn {

struct TrainRunOptions {
  std::string config = "drum_kit";
  std::string run_dir;
  std::string sequence_example_file;       // training data (or, with eval_only, eval data)
  std::string eval_sequence_example_file;  // optional: evaluate at each checkpoint while training
  std::string hparams;
  int64_t num_training_steps = 0;          // 0 = until cancelled; < 0 is an error
  int summary_frequency = 10;              // > 0
  int checkpoint_steps = 200;              // > 0
  int num_checkpoints = 10;                // checkpoints to keep; 0 = all (Magenta's default and meaning)
  bool eval_only = false;                  // --eval: evaluate RUN/train's checkpoints into RUN/eval
  std::string device = "auto";
  int threads = 0;                         // CPU trainer threads, 0 = one per core
  uint64_t seed = 0;
  // A model file to start from when run_dir has no checkpoint yet (train while playing starts from
  // the playing model); its rnn_layer_sizes must match the hparams'. Empty = Glorot init.
  std::string init_model;
};

// Trains (or, with eval_only, evaluates) and returns the exit status: 0 when it reached
// num_training_steps or was cancelled (both save a checkpoint first), 1 when the loss, the gradient
// or the weights stopped being finite (reported through on_message(..., true); nothing is saved and
// every checkpoint is kept). Progress goes out as JobProgress with stage "train" at every summary
// and "eval" after each evaluation. Throws on bad input and bad options (one-line messages).
int run_training(const TrainRunOptions& options, JobObserver& observer);

}  // namespace drumrnn
