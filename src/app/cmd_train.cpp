// drumrnn train: Magenta's drums_rnn_train.
#include "app/commands.h"
#include "app/magenta_flags.h"
#include "app/terminal_progress.h"
#include "app/train_console.h"
#include "ml/train_loop.h"

namespace drumrnn {

namespace {

// "--flag: must be positive, got 0" rather than CLI11's range text with a 300-digit bound.
CLI::Validator at_least(long long min, const std::string& what) {
  return CLI::Validator(
      [min, what](std::string& value) -> std::string {
        try {
          size_t used = 0;
          if (std::stoll(value, &used) >= min && used == value.size()) return "";
        } catch (const std::exception&) {
        }
        return "must be " + what + ", got " + value;
      },
      min > 0 ? "POSITIVE" : "NONNEGATIVE");
}

int run_train_command(const TrainRunOptions& o) {
  TrainConsole console;
  CancelOnInterrupt interrupt(console);  // Ctrl-C saves a checkpoint and stops
  return run_training(o, console);
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto* sub = app.add_subcommand("train", "train the drum RNN on SequenceExamples (resumes; --eval evaluates)");
  auto o = std::make_shared<TrainRunOptions>();
  sub->add_option("--config", o->config, "drum_kit or one_drum")->default_val("drum_kit");
  sub->add_option("--run_dir", o->run_dir, "checkpoints go to RUN/train, eval summaries to RUN/eval")->required();
  sub->add_option("--sequence_example_file", o->sequence_example_file,
                  "training TFRecord (a glob works); with --eval, the eval TFRecord")
      ->required();
  sub->add_option("--eval_sequence_example_file", o->eval_sequence_example_file,
                  "also evaluate on this file at every checkpoint");
  sub->add_option("--hparams", o->hparams, "Magenta syntax, e.g. \"batch_size=64,rnn_layer_sizes=[64,64]\"");
  sub->add_option("--num_training_steps", o->num_training_steps, "stop at this global step (0 = until Ctrl-C)")
      ->check(at_least(0, "0 (until Ctrl-C) or positive"));
  sub->add_option("--summary_frequency", o->summary_frequency, "steps between summaries")
      ->default_val(10)
      ->check(at_least(1, "positive"));
  sub->add_option("--checkpoint_steps", o->checkpoint_steps, "steps between checkpoints")
      ->default_val(200)
      ->check(at_least(1, "positive"));
  sub->add_option("--num_checkpoints", o->num_checkpoints, "checkpoints to keep, 0 = all (Magenta's default, 10)")
      ->default_val(10)
      ->check(at_least(0, "0 (keep all) or positive"));
  sub->add_flag("--eval", o->eval_only, "evaluate the run's checkpoints on --sequence_example_file into RUN/eval");
  sub->add_option("--device", o->device, "cpu, cuda or auto")->default_val("auto");
  sub->add_option("--threads", o->threads, "CPU worker threads (default: one per core; results do not depend on it)");
  sub->add_option("--seed", o->seed, "initialization, shuffling and dropout seed")->default_val(0);
  // Magenta's other drums_rnn_train flags (facts §7): --log, --num_eval_examples, bundle names.
  add_log_flag(sub);
  add_generator_detail_flags(sub);
  sub->add_option_function<int64_t>(
      "--num_eval_examples",
      [](int64_t n) {
        if (n != 0)
          throw CLI::ValidationError("--num_eval_examples", "only 0 (Magenta's default: the whole eval file) for now");
      },
      "examples per evaluation; 0 = the whole file (the only value for now)");
  return {sub, [o] { return run_train_command(*o); }};
}

}  // namespace drumrnn
