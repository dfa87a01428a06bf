// drumrnn create-dataset: Magenta's drums_rnn_create_dataset (--config, --hparams, --input,
// --output_dir, --eval_ratio, --log), plus a MIDI folder as --input, --seed and --threads.
#include <cstdio>

#include "app/commands.h"
#include "app/terminal_progress.h"
#include "ml/hparams.h"
#include "music/dataset_job.h"

namespace drumrnn {

namespace {
struct DatasetCommand {
  DatasetOptions job;
  std::string hparams;
  LogLevel log = LogLevel::info;
};
}  // namespace

Command add_create_dataset_command(CLI::App& app) {
  auto* sub = app.add_subcommand("create-dataset",
                                 "note sequences or a MIDI folder -> training/eval SequenceExamples (drum_kit, one_drum)");
  auto c = std::make_shared<DatasetCommand>();
  DatasetOptions& o = c->job;
  sub->add_option("--config", o.config, "drum_kit or one_drum")->default_val("drum_kit");
  sub->add_option("--hparams", c->hparams, "checked, as Magenta does; the encoding does not depend on them");
  sub->add_option("--input", o.input, "TFRecord of NoteSequences, or a folder of MIDI files (read recursively)")
      ->required();
  sub->add_option("--output_dir", o.output_dir, "where training_ and eval_drum_tracks.tfrecord go")->required();
  sub->add_option("--eval_ratio", o.eval_ratio, "fraction of inputs for evaluation")->default_val(0.1);
  add_log_flag(sub, c->log);
  add_generator_detail_flags(sub);
  sub->add_option("--seed", o.seed, "seed for a reproducible partition (Python's random.seed)");
  sub->add_option("--threads", o.threads, "worker threads (default: one per core)");
  return {sub, [c] {
            const DatasetOptions& o = c->job;
            // Magenta parses --hparams into the config before building the pipeline: a bad one stops it.
            if (!c->hparams.empty()) parse_hparams(c->hparams, default_hparams(o.config));
            TerminalProgress observer(c->log);
            DatasetSummary s;
            {
              CancelOnInterrupt interrupt(observer);
              s = create_dataset(o, observer);
            }
            observer.finish();
            if (s.cancelled) {
              std::fprintf(stderr, "drumrnn create-dataset: cancelled; nothing was written to %s\n",
                           o.output_dir.c_str());
              return 130;
            }
            std::printf("%s", format_pipeline_report(s).c_str());
            std::printf("wrote %zu training examples (%zu steps) and %zu eval examples (%zu steps) to %s in %.2f s\n",
                        s.train_examples, s.train_steps, s.eval_examples, s.eval_steps, o.output_dir.c_str(),
                        s.seconds);
            if (s.inputs == 0) {
              std::fprintf(stderr, "drumrnn create-dataset: error: no usable note sequences in %s\n", o.input.c_str());
              return 1;
            }
            return 0;
          }};
}

}  // namespace drumrnn
