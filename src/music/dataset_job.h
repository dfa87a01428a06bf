// `drumrnn create-dataset`: note sequences (a TFRecord, or a folder of MIDI files) ->
// training_drum_tracks.tfrecord + eval_drum_tracks.tfrecord of SequenceExamples, as Magenta's
// drums_rnn_create_dataset, on every core.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "common/job.h"
#include "music/pipeline_stats.h"

namespace drumrnn {

struct DatasetOptions {
  std::string config = "drum_kit";
  std::string input;       // a TFRecord of NoteSequences, or a folder of MIDI files
  bool recursive = true;   // for a folder input
  std::string output_dir;
  double eval_ratio = 0.1;
  std::optional<uint64_t> seed;  // Python random.seed(N): the same partition as Magenta's with that seed
  int threads = 0;
};

struct DatasetSummary {
  size_t inputs = 0, outputs = 0, failed_inputs = 0;
  size_t train_examples = 0, train_steps = 0, eval_examples = 0, eval_steps = 0;
  size_t output_bytes = 0;
  PipelineStats stats;
  double seconds = 0;
  bool cancelled = false;  // the observer cancelled: neither output was written (old files are untouched)
};

// Reports progress as stage "read MIDI" (done/total files, folder input only) then "create-dataset"
// (done/total note sequences), each skipped input as on_message("skipped NAME: reason", true), and
// polls cancelled() between inputs. Prints nothing. Both outputs are committed together at the end.
// Throws UnknownConfigError, IoError (missing input, unwritable output) or TfRecordError.
DatasetSummary create_dataset(const DatasetOptions& options, JobObserver& observer);

// Magenta's closing block: "Completed.", "Processed N inputs total. Produced M outputs.", statistics.
std::string format_pipeline_report(const DatasetSummary& summary);

}  // namespace drumrnn
