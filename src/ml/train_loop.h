// drumrnn train: Magenta's drums_rnn_train loop (facts §7) with checkpoints that resume, TensorBoard
// scalars, and a clean stop on Ctrl-C.
#pragma once
#include <cstdint>
#include <string>

namespace drumrnn {

struct TrainRunOptions {
  std::string config = "drum_kit";
  std::string run_dir;
  std::string sequence_example_file;       // training data (or, with eval_only, eval data)
  std::string eval_sequence_example_file;  // optional: evaluate at each checkpoint while training
  std::string hparams;
  int64_t num_training_steps = 0;          // 0 = until interrupted
  int summary_frequency = 10;
  int checkpoint_steps = 200;
  int num_checkpoints = 5;
  bool eval_only = false;                  // --eval: evaluate RUN/train's checkpoints into RUN/eval
  std::string device = "auto";
  int threads = 0;                         // CPU trainer threads, 0 = one per core
  uint64_t seed = 0;
  bool progress = true;
};

// Returns the exit status. Throws on bad input (one-line messages).
int run_training(const TrainRunOptions& options);

}  // namespace drumrnn
