// drumrnn create-dataset: Magenta's drums_rnn_create_dataset.
#include <cstdio>

#include "app/commands.h"
#include "music/dataset_job.h"

namespace drumrnn {

Command add_create_dataset_command(CLI::App& app) {
  auto* sub = app.add_subcommand("create-dataset",
                                 "note sequences or a MIDI folder -> training/eval SequenceExamples (drum_kit, one_drum)");
  auto o = std::make_shared<DatasetOptions>();
  sub->add_option("--config", o->config, "drum_kit or one_drum")->default_val("drum_kit");
  sub->add_option("--input", o->input, "TFRecord of NoteSequences, or a folder of MIDI files (read recursively)")
      ->required();
  sub->add_option("--output_dir", o->output_dir, "where training_ and eval_drum_tracks.tfrecord go")->required();
  sub->add_option("--eval_ratio", o->eval_ratio, "fraction of inputs for evaluation")->default_val(0.1);
  sub->add_option("--seed", o->seed, "seed for a reproducible partition (Python's random.seed)");
  sub->add_option("--threads", o->threads, "worker threads (default: one per core)");
  return {sub, [o] {
            const DatasetSummary s = create_dataset(*o);
            std::printf("%s", format_pipeline_report(s).c_str());
            std::printf("wrote %zu training examples (%zu steps) and %zu eval examples (%zu steps) to %s in %.2f s\n",
                        s.train_examples, s.train_steps, s.eval_examples, s.eval_steps, o->output_dir.c_str(),
                        s.seconds);
            if (s.inputs == 0) {
              std::fprintf(stderr, "drumrnn create-dataset: error: no usable note sequences in %s\n", o->input.c_str());
              return 1;
            }
            return 0;
          }};
}

}  // namespace drumrnn
