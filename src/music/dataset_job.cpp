#include "music/dataset_job.h"

#include <chrono>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "common/atomic_file.h"
#include "common/parallel_ordered.h"
#include "common/progress.h"
#include "music/drums_pipeline.h"
#include "music/midi_directory.h"
#include "music/python_random.h"
#include "music/sequence_example.h"
#include "music/tfrecord.h"

namespace drumrnn {
namespace fs = std::filesystem;

namespace {

constexpr const char* kTrainName = "training_drum_tracks";
constexpr const char* kEvalName = "eval_drum_tracks";

struct Cancelled {};  // thrown from a consumer to stop parallel_ordered's workers

struct NamedRecord {
  std::string name;   // file name, for messages
  std::string bytes;  // serialized NoteSequence
};

// Serialized note sequences from a TFRecord file, or converted from a folder of MIDI files
// (bad files reported and skipped, as `drumrnn convert` does).
std::vector<NamedRecord> load_inputs(const DatasetOptions& o, size_t& failed, int threads, JobObserver& observer) {
  std::vector<NamedRecord> records;
  std::error_code ec;
  if (fs::is_directory(o.input, ec)) {
    const MidiListing listing = list_midi_files(o.input, o.recursive);
    if (listing.midi_files.empty()) throw IoError("no .mid or .midi files in " + o.input);
    const std::string collection = collection_name_of(o.input);
    ProgressReporter progress(observer, "read MIDI", int64_t(listing.midi_files.size()));
    parallel_ordered<NamedRecord>(
        listing.midi_files.size(), threads,
        [&](size_t i) {
          NamedRecord r{listing.midi_files[i], {}};
          try {
            r.bytes = convert_midi_file(o.input, listing.midi_files[i], collection).SerializeAsString();
          } catch (const std::exception& e) {
            r.name = "skipped " + listing.midi_files[i] + ": " + e.what();
          }
          return r;
        },
        [&](size_t i, NamedRecord r) {
          if (r.bytes.empty()) {
            observer.on_message(r.name, true);
            ++failed;
          } else {
            records.push_back(std::move(r));
          }
          progress.update(int64_t(i) + 1);
          if (observer.cancelled()) throw Cancelled{};
        });
    return records;
  }
  TfRecordReader reader(o.input);
  std::string payload;
  while (reader.next(payload)) {
    records.push_back({o.input + " record " + std::to_string(records.size()), payload});
    if (observer.cancelled()) throw Cancelled{};
  }
  return records;
}

struct Processed {
  bool eval = false;
  std::string framed;  // TFRecord bytes of every example of this input
  size_t examples = 0, steps = 0;
  PipelineStats stats;
  std::string error;
};

// The work of create_dataset between opening and committing the outputs; throws Cancelled.
void fill_dataset(const DatasetOptions& o, int threads, JobObserver& observer, TfRecordWriter& train_writer,
                  TfRecordWriter& eval_writer, DatasetSummary& summary) {
  const DrumConfig& config = drum_config(o.config);
  const std::vector<NamedRecord> records = load_inputs(o, summary.failed_inputs, threads, observer);
  summary.inputs = records.size();

  // RandomPartition: one draw per input, in input order, before any parallel work.
  std::vector<char> is_eval(records.size());
  PythonRandom rng(o.seed ? *o.seed : std::random_device{}());
  for (size_t i = 0; i < records.size(); ++i) is_eval[i] = rng.random() < o.eval_ratio;

  ProgressReporter progress(observer, "create-dataset", int64_t(records.size()));
  parallel_ordered<Processed>(
      records.size(), threads,
      [&](size_t i) {
        Processed p;
        p.eval = is_eval[i];
        magenta::NoteSequence ns;
        if (!ns.ParseFromString(records[i].bytes)) {
          p.error = records[i].name + ": not a NoteSequence";
          return p;
        }
        const std::string mode = p.eval ? "eval" : "training";
        p.stats.add(std::string("DAGPipeline_RandomPartition_") + (p.eval ? kEvalName : kTrainName) + "_count", 1);
        DrumsPipelineResult r = run_drums_pipeline(config, ns, mode);
        p.stats.merge(r.stats);
        for (const auto& ex : r.examples) {
          tfrecord_frame(sequence_example_serialize(ex), p.framed);
          ++p.examples;
          p.steps += ex.steps();
        }
        return p;
      },
      [&](size_t i, Processed p) {
        if (!p.error.empty()) {
          observer.on_message("skipped " + p.error, true);
          ++summary.failed_inputs;
        } else {
          (p.eval ? eval_writer : train_writer).write_framed(p.framed);
          (p.eval ? summary.eval_examples : summary.train_examples) += p.examples;
          (p.eval ? summary.eval_steps : summary.train_steps) += p.steps;
          summary.output_bytes += p.framed.size();
          summary.outputs += p.examples;
          summary.stats.merge(p.stats);
        }
        progress.update(int64_t(i) + 1);
        if (observer.cancelled()) throw Cancelled{};
      });
}

}  // namespace

DatasetSummary create_dataset(const DatasetOptions& o, JobObserver& observer) {
  const auto t0 = std::chrono::steady_clock::now();
  (void)drum_config(o.config);  // an unknown config fails before any work
  if (!(o.eval_ratio >= 0.0 && o.eval_ratio <= 1.0))
    throw std::invalid_argument("--eval_ratio must be between 0 and 1, got " + std::to_string(o.eval_ratio));
  if (o.output_dir.empty()) throw std::invalid_argument("--output_dir is required");
  std::error_code ec;
  fs::create_directories(o.output_dir, ec);
  if (ec || !fs::is_directory(o.output_dir)) throw IoError("cannot create output folder " + o.output_dir);
  if (!fs::exists(o.input, ec)) throw IoError("input " + o.input + " does not exist");

  // Open both outputs first so an unwritable folder fails before any work.
  TfRecordWriter train_writer((fs::path(o.output_dir) / (std::string(kTrainName) + ".tfrecord")).string());
  TfRecordWriter eval_writer((fs::path(o.output_dir) / (std::string(kEvalName) + ".tfrecord")).string());

  const int threads = o.threads > 0 ? o.threads : default_thread_count();
  DatasetSummary summary;
  try {
    if (observer.cancelled()) throw Cancelled{};
    fill_dataset(o, threads, observer, train_writer, eval_writer, summary);
  } catch (const Cancelled&) {
    // Both writers go out of scope uncommitted: their temp files are removed.
    summary.cancelled = true;
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return summary;
  }
  train_writer.commit();
  eval_writer.commit();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

std::string format_pipeline_report(const DatasetSummary& s) {
  return "Completed.\nProcessed " + std::to_string(s.inputs) + " inputs total. Produced " +
         std::to_string(s.outputs) + " outputs.\n" + s.stats.format();
}

}  // namespace drumrnn
