#include "worker/live_training.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "ml/checkpoint.h"
#include "ml/evaluation.h"
#include "ml/sequence_dataset.h"
#include "ml/hparams.h"
#include "ml/train_loop.h"
#include "ml/trainer.h"
#include "ml/magenta_io.h"
#include "music/dataset_job.h"
#include "music/drum_encoding.h"

namespace drumrnn {
namespace fs = std::filesystem;

namespace {

// Passes everything on to the worker's observer, and watches the "eval" progress that run_training
// reports right after each checkpoint to decide on a swap.
class SwapObserver final : public JobObserver {
 public:
  SwapObserver(JobObserver& outer, LiveTrainingControl& control, const LiveTrainingOptions& o,
               const LiveTrainingJob::SwapFn& on_swap, const LiveTrainingJob::LineFn& line)
      : outer_(outer), control_(control), options_(o), on_swap_(on_swap), line_(line) {}

  void on_progress(const JobProgress& p) override {
    outer_.on_progress(p);
    if (p.stage == "eval") consider_swap(p.done, p.loss);
  }
  void on_message(std::string_view line, bool error) override { outer_.on_message(line, error); }
  bool cancelled() const override { return outer_.cancelled(); }

 private:
  void consider_swap(int64_t step, double eval_loss) {
    if (!std::isfinite(eval_loss)) return;
    const double best = control_.last_swap_eval_loss.load();
    if (!(std::isnan(best) || eval_loss < best)) {
      outer_.on_message("no swap at step " + std::to_string(step) + ": eval loss " + std::to_string(eval_loss) +
                        " did not beat " + std::to_string(best));
      return;
    }
    const bool due = control_.last_swap_step.load() < 0 || step - control_.last_swap_step.load() >= options_.swap_every;
    if (!due && !control_.swap_requested.load()) return;
    const std::string path = checkpoint_path((fs::path(options_.run_dir) / "train").string(), step);
    std::shared_ptr<const DrumRnn> model;
    try {
      model = std::shared_ptr<const DrumRnn>(load_model(path, "drum_kit").model.release());
    } catch (const std::exception& e) {
      outer_.on_message(std::string("no swap: ") + e.what(), true);  // the playing model stays
      if (line_) line_(std::string("no swap: ") + e.what(), true);
      return;
    }
    control_.swap_requested = false;
    control_.last_swap_step = step;
    control_.last_swap_eval_loss = eval_loss;
    control_.swaps.fetch_add(1);
    on_swap_(std::move(model), ModelSwap{step, eval_loss, path});
  }

  JobObserver& outer_;
  LiveTrainingControl& control_;
  const LiveTrainingOptions& options_;
  const LiveTrainingJob::SwapFn& on_swap_;
  const LiveTrainingJob::LineFn& line_;
};

}  // namespace

LiveTrainingJob::LiveTrainingJob(LiveTrainingOptions options, std::shared_ptr<LiveTrainingControl> control,
                                 SwapFn on_swap, LineFn on_line)
    : options_(std::move(options)), control_(std::move(control)), on_swap_(std::move(on_swap)),
      on_line_(std::move(on_line)) {
  if (options_.swap_every < 1) throw std::invalid_argument("--swap-every must be at least 1");
  if (options_.midi_dir.empty()) throw std::invalid_argument("--train-on needs a folder of MIDI files");
}

void LiveTrainingJob::run(const WorkerContext& context, JobObserver& worker_observer) {
  // The job's own lines go to the terminal as well as to the worker's status.
  struct Tee final : JobObserver {
    JobObserver& outer;
    const LineFn& line;
    Tee(JobObserver& o, const LineFn& l) : outer(o), line(l) {}
    void on_progress(const JobProgress& p) override { outer.on_progress(p); }
    void on_message(std::string_view text, bool error = false) override {
      outer.on_message(text, error);
      if (line) line(std::string(text), error);
    }
    bool cancelled() const override { return outer.cancelled(); }
  } observer(worker_observer, on_line_);
  if (!fs::is_directory(options_.midi_dir)) throw std::runtime_error(options_.midi_dir + ": not a folder");
  // 1. The dataset, with a held-back eval split, written atomically under the run folder.
  DatasetOptions d;
  d.input = options_.midi_dir;
  d.output_dir = (fs::path(options_.run_dir) / "dataset").string();
  d.eval_ratio = options_.eval_ratio;
  d.seed = options_.seed;
  d.threads = context.threads;
  DatasetSummary ds = create_dataset(d, worker_observer);
  if (!ds.cancelled && ds.train_examples > 1 && ds.eval_examples == 0 && ds.inputs >= 2) {
    // A small folder: hold back a quarter of it (at least about three files), so the swaps are judged on music the run never saw.
    d.eval_ratio = std::min(0.5, std::max(0.25, 3.0 / double(ds.inputs)));
    ds = create_dataset(d, worker_observer);
  }
  if (ds.cancelled || observer.cancelled()) return;
  if (ds.train_examples == 0)
    throw std::runtime_error(options_.midi_dir + ": no usable MIDI (" + std::to_string(ds.inputs) +
                             " files read, no drum track long enough to train on)");
  const std::string train_file = (fs::path(d.output_dir) / "training_drum_tracks.tfrecord").string();
  std::string eval_file = (fs::path(d.output_dir) / "eval_drum_tracks.tfrecord").string();
  if (ds.eval_examples == 0) {
    observer.on_message("too few drum tracks to hold any back; evaluating on the training set", true);
    eval_file = train_file;
  }
  observer.on_message("dataset: " + std::to_string(ds.train_examples) + " training and " +
                      std::to_string(ds.eval_examples) + " eval drum tracks from " + options_.midi_dir);

  // 2. Train from the playing model when its layers match the asked hparams, else from scratch.
  TrainRunOptions t;
  t.run_dir = options_.run_dir;
  t.sequence_example_file = train_file;
  t.eval_sequence_example_file = eval_file;
  t.num_training_steps = options_.num_training_steps;
  t.checkpoint_steps = options_.swap_every;
  t.summary_frequency = std::max(1, std::min(10, options_.swap_every));
  t.device = std::string(worker_device_name(context.device));
  t.threads = context.threads;
  t.seed = options_.seed;
  t.hparams = options_.hparams;
  if (!options_.init_model.empty()) {
    const HParams playing = load_any_model("", options_.init_model, "drum_kit").hparams;
    const HParams asked = parse_hparams(options_.hparams, playing);
    if (options_.hparams.empty()) t.hparams = hparams_to_string(playing);
    if (asked.rnn_layer_sizes == playing.rnn_layer_sizes) t.init_model = options_.init_model;
    else observer.on_message("the playing model's layers differ from --train-hparams: training from scratch");
  }
  // A fresh run from the playing model must beat the playing model itself on the held-back part.
  const std::string train_dir = (fs::path(options_.run_dir) / "train").string();
  if (!t.init_model.empty() && latest_checkpoint(train_dir).empty()) {
    LoadedModel playing = load_any_model("", t.init_model, "drum_kit");
    const DrumConfig& config = drum_config("drum_kit");
    const SequenceDataset eval = load_sequence_examples(eval_file, config.input_size, config.num_classes);
    const HParams hp = parse_hparams(t.hparams, default_hparams("drum_kit"));
    TrainOptions topt;
    topt.threads = context.threads;
    auto trainer = make_trainer(Device::cpu, *playing.model, topt);
    const double loss = evaluate_dataset(*trainer, eval, hp.batch_size).loss();
    control_->last_swap_eval_loss = loss;
    observer.on_message("the playing model's eval loss is " + std::to_string(loss) + "; a swap must beat it");
  }
  // Only the job's own lines reach the terminal; run_training's metrics lines stay in the status.
  SwapObserver swaps(worker_observer, *control_, options_, on_swap_, on_line_);
  int status;
  try {
    status = run_training(t, swaps);
  } catch (const DeviceError& e) {
    // The GPU was there for the worker but the trainer refused it: the CPU twin does the same run.
    observer.on_message(std::string(e.what()) + "; training on the CPU instead", true);
    t.device = "cpu";
    status = run_training(t, swaps);
  }
  const std::string newest = latest_checkpoint(train_dir);
  if (!newest.empty()) final_step_ = load_model(newest, "drum_kit").step;
  if (status != 0) throw std::runtime_error("training stopped (the loss or the weights became non-finite); the playing model stays");
}

}  // namespace drumrnn
