// `drumrnn convert`: a folder of MIDI files -> one TFRecord of NoteSequences, on every core.
#pragma once
#include <string>

#include "common/job.h"

namespace drumrnn {

struct ConvertOptions {
  std::string input_dir;
  std::string output_file;
  bool recursive = false;
  int threads = 0;  // 0 = one per core
};

struct ConvertSummary {
  size_t midi_files = 0, converted = 0, failed = 0, other_files = 0;
  size_t midi_bytes = 0, output_bytes = 0;
  double seconds = 0;
  bool cancelled = false;  // the observer cancelled: nothing was written (an old output file is untouched)
};

// Writes the output atomically. Reports progress as stage "convert" (done/total MIDI files) and each
// bad MIDI file as on_message("skipped FILE: reason", true), and counts it; polls cancelled() between
// files. Prints nothing. Throws IoError for a missing input folder or an unwritable output.
ConvertSummary convert_directory(const ConvertOptions& options, JobObserver& observer);

}  // namespace drumrnn
