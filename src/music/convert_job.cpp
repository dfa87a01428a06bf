#include "music/convert_job.h"

#include <chrono>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/parallel_ordered.h"
#include "common/progress.h"
#include "music/midi_directory.h"
#include "music/midi_io.h"
#include "music/tfrecord.h"

namespace drumrnn {

namespace {
struct Cancelled {};  // thrown from the consumer to stop parallel_ordered's workers

struct Converted {
  std::string framed;  // the TFRecord bytes of one NoteSequence, empty on failure
  std::string error;
  size_t midi_bytes = 0;
};
}  // namespace

ConvertSummary convert_directory(const ConvertOptions& o, JobObserver& observer) {
  const auto t0 = std::chrono::steady_clock::now();
  const MidiListing listing = list_midi_files(o.input_dir, o.recursive);
  const std::string collection = collection_name_of(o.input_dir);
  ConvertSummary summary;
  summary.midi_files = listing.midi_files.size();
  summary.other_files = listing.other_files.size();

  const std::filesystem::path parent = std::filesystem::path(o.output_file).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);  // failures surface when opening
  TfRecordWriter writer(o.output_file);  // opened before the work, so a bad path fails fast
  ProgressReporter progress(observer, "convert", int64_t(listing.midi_files.size()));
  try {
    if (observer.cancelled()) throw Cancelled{};
    parallel_ordered<Converted>(
        listing.midi_files.size(), o.threads > 0 ? o.threads : default_thread_count(),
        [&](size_t i) {
          Converted c;
          try {
            std::error_code ec;
            c.midi_bytes = std::filesystem::file_size(std::filesystem::path(o.input_dir) / listing.midi_files[i], ec);
            magenta::NoteSequence ns = convert_midi_file(o.input_dir, listing.midi_files[i], collection);
            tfrecord_frame(ns.SerializeAsString(), c.framed);
          } catch (const std::exception& e) {
            c.error = e.what();
          }
          return c;
        },
        [&](size_t i, Converted c) {
          summary.midi_bytes += c.midi_bytes;
          if (c.error.empty()) {
            writer.write_framed(c.framed);
            summary.output_bytes += c.framed.size();
            ++summary.converted;
          } else {
            observer.on_message("skipped " + listing.midi_files[i] + ": " + c.error, true);
            ++summary.failed;
          }
          progress.update(int64_t(i) + 1);
          if (observer.cancelled()) throw Cancelled{};
        });
  } catch (const Cancelled&) {
    summary.cancelled = true;  // `writer` goes out of scope uncommitted: its temp file is removed
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return summary;
  }
  writer.commit();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace drumrnn
