// `drumrnn convert`: a folder of MIDI files -> one TFRecord of NoteSequences, on every core.
#pragma once
#include <functional>
#include <string>

namespace drumrnn {

struct ConvertOptions {
  std::string input_dir;
  std::string output_file;
  bool recursive = false;
  int threads = 0;  // 0 = one per core
  bool progress = true;
};

struct ConvertSummary {
  size_t midi_files = 0, converted = 0, failed = 0, other_files = 0;
  size_t midi_bytes = 0, output_bytes = 0;
  double seconds = 0;
};

// Writes the output atomically; a bad MIDI file is reported on stderr ("skipped FILE: reason") and
// counted. Throws IoError for a missing input folder or an unwritable output.
ConvertSummary convert_directory(const ConvertOptions& options);

}  // namespace drumrnn
