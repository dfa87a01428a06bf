#include "common/progress.h"
#include "ml/train_loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "ml/checkpoint.h"
#include "ml/evaluation.h"
#include "ml/hparams.h"
#include "ml/sequence_dataset.h"
#include "ml/tensorboard.h"
#include "ml/trainer.h"
#include "ml/magenta_io.h"

namespace drumrnn {
namespace fs = std::filesystem;

namespace {

std::string value_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string metrics_line(const char* label, int64_t step, const XentTotals& t) {
  char buf[512];
  int n = std::snprintf(buf, sizeof buf,
                        "%s at step %lld: loss %.4f  perplexity %.3f  accuracy %.4f  event_accuracy %.4f  "
                        "no_event_accuracy %.4f",
                        label, (long long)step, t.loss(), std::exp(t.loss()), t.accuracy(), t.event_accuracy(),
                        t.no_event_accuracy());
  if (!t.class_steps.empty() && n > 0 && size_t(n) < sizeof buf)
    std::snprintf(buf + n, sizeof buf - n, "  per_class_accuracy %.4f", t.per_class_accuracy());
  return buf;
}

void write_metrics(EventWriter& events, int64_t step, const XentTotals& t) {
  for (const auto& [tag, value] : metric_values(t)) events.add_scalar(tag, float(value), step);
  events.flush();
}

void report_eval(JobObserver& observer, int64_t done, int64_t total, const XentTotals& t) {
  JobProgress p;
  p.stage = "eval";
  p.done = done;
  p.total = total;
  p.loss = t.loss();
  p.accuracy = t.accuracy();
  observer.on_progress(p);
}

// Flags that would divide by zero or delete checkpoints: checked here so that every caller, not
// only the command line, gets a one-line error.
void validate(const TrainRunOptions& o) {
  auto bad = [](const std::string& flag, int64_t value, const char* want) {
    throw std::invalid_argument("--" + flag + " must be " + want + ", got " + std::to_string(value));
  };
  if (o.run_dir.empty()) throw std::invalid_argument("--run_dir is required");
  if (o.sequence_example_file.empty()) throw std::invalid_argument("--sequence_example_file is required");
  if (o.num_training_steps < 0) bad("num_training_steps", o.num_training_steps, "0 (until stopped) or positive");
  if (o.summary_frequency <= 0) bad("summary_frequency", o.summary_frequency, "positive");
  if (o.checkpoint_steps <= 0) bad("checkpoint_steps", o.checkpoint_steps, "positive");
  if (o.num_checkpoints < 0) bad("num_checkpoints", o.num_checkpoints, "0 (keep all) or positive");
}

// The run's name for the model's metadata: the last component of --run_dir, never a machine path.
std::string run_name(const std::string& run_dir) {
  fs::path p = fs::path(run_dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  std::string name = p.filename().string();
  if (name.empty() || name == "." || name == "..") name = fs::absolute(p).lexically_normal().filename().string();
  return name;
}

// What to tell a person whose run went non-finite: which step, that nothing was saved, where to
// resume from.
// `what` is e.g. "the loss became nan".
std::string divergence_text(const std::string& what, int64_t step, const std::string& train_dir) {
  const std::string newest = latest_checkpoint(train_dir);
  std::string s = what + " at step " + std::to_string(step) + "; ";
  if (newest.empty())
    return s + "nothing was saved and the run has no checkpoint yet; run the same command with a lower learning_rate "
               "or clip_norm to start again";
  return s + "nothing was saved, " + newest + " is the newest checkpoint; run the same command to resume from it, "
             "with a lower learning_rate or clip_norm";
}

// --eval: every checkpoint in RUN/train, evaluated on the eval file into RUN/eval.
int run_eval_only(const TrainRunOptions& o, const HParams& hp, const DrumConfig& config, JobObserver& observer) {
  const std::string train_dir = (fs::path(o.run_dir) / "train").string();
  const SequenceDataset data = load_sequence_examples(o.sequence_example_file, config.input_size, config.num_classes);
  if (data.examples() == 0) throw DatasetError(o.sequence_example_file + ": no examples to evaluate");
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(train_dir))
    if (entry.path().extension() == ".safetensors") paths.push_back(entry.path().string());
  if (paths.empty()) throw ModelLoadError("no checkpoints in " + train_dir);
  EventWriter events((fs::path(o.run_dir) / "eval").string());
  std::vector<std::pair<int64_t, std::string>> by_step;
  for (const auto& p : paths) by_step.emplace_back(load_model(p, o.config).step, p);
  std::sort(by_step.begin(), by_step.end());
  int64_t done = 0;
  for (const auto& [step, path] : by_step) {
    if (observer.cancelled()) break;
    LoadedModel m = load_model(path, o.config);
    TrainOptions topt;
    topt.threads = o.threads;
    auto trainer = make_trainer(parse_device(o.device), *m.model, topt);
    const XentTotals t = evaluate_dataset(*trainer, data, hp.batch_size);
    write_metrics(events, step, t);
    observer.on_message(metrics_line("eval", step, t));
    report_eval(observer, ++done, int64_t(by_step.size()), t);
  }
  return 0;
}

}  // namespace

int run_training(const TrainRunOptions& o, JobObserver& observer) {
  validate(o);
  const DrumConfig& config = drum_config(o.config);
  HParams hp = parse_hparams(o.hparams, default_hparams(o.config));
  if (o.eval_only) return run_eval_only(o, hp, config, observer);

  const std::string train_dir = (fs::path(o.run_dir) / "train").string();
  const SequenceDataset data = load_sequence_examples(o.sequence_example_file, config.input_size, config.num_classes);
  if (data.examples() == 0) throw DatasetError(o.sequence_example_file + ": the dataset is empty");
  SequenceDataset eval_data;
  if (!o.eval_sequence_example_file.empty())
    eval_data = load_sequence_examples(o.eval_sequence_example_file, config.input_size, config.num_classes);

  // A run killed mid-save leaves its temp file behind; it would never be renamed.
  remove_stale_checkpoint_temps(train_dir);
  // Resume from the newest checkpoint of this run, or start afresh. A Magenta run directory (its
  // TF checkpoint, no drumrnn one yet) resumes as Magenta's trainer would: weights, global_step and
  // Adam's slots; drumrnn's checkpoints are then written beside it.
  std::unique_ptr<DrumRnn> model;
  std::unique_ptr<AdamState> magenta_adam;
  int64_t step = 0;
  std::string resume_from = latest_checkpoint(train_dir);
  const bool from_magenta = resume_from.empty() && has_tf_checkpoint_state(o.run_dir);
  if (from_magenta) resume_from = tf_checkpoint_in_run_dir(o.run_dir);
  if (!resume_from.empty()) {
    LoadedModel m;
    if (from_magenta) {
      MagentaModel mm = read_magenta_model({ModelFormat::magenta_checkpoint, resume_from}, o.config, o.hparams);
      // Magenta's drum_kit default is attn_length=32 and drumrnn's 0: unless --hparams names it, the
      // checkpoint's window is the run's.
      if (o.hparams.find("attn_length") == std::string::npos) hp.attn_length = mm.loaded.model->shape().attn_length;
      m = std::move(mm.loaded);
      magenta_adam = std::move(mm.adam);
    } else {
      m = load_model(resume_from, o.config);
    }
    if (m.hparams.rnn_layer_sizes != hp.rnn_layer_sizes)
      throw std::invalid_argument(o.run_dir + " holds a model with rnn_layer_sizes=" +
                                  layer_sizes_text(m.hparams.rnn_layer_sizes) + ", --hparams asks for " +
                                  layer_sizes_text(hp.rnn_layer_sizes) + " (use a new --run_dir)");
    if (m.model->shape().attn_length != hp.attn_length)
      throw std::invalid_argument(o.run_dir + " holds a model with attn_length=" +
                                  std::to_string(m.model->shape().attn_length) + ", --hparams asks for " +
                                  std::to_string(hp.attn_length) + " (use a new --run_dir)");
    model = std::move(m.model);
    step = m.step;
  } else if (!o.init_model.empty()) {
    LoadedModel m = load_any_model("", o.init_model, o.config);  // a .mag or TF checkpoint too
    if (m.hparams.rnn_layer_sizes != hp.rnn_layer_sizes)
      throw std::invalid_argument(o.init_model + " has rnn_layer_sizes=" + layer_sizes_text(m.hparams.rnn_layer_sizes) +
                                  ", --hparams asks for " + layer_sizes_text(hp.rnn_layer_sizes));
    if (m.model->shape().attn_length != hp.attn_length)
      throw std::invalid_argument(o.init_model + " has attn_length=" + std::to_string(m.model->shape().attn_length) +
                                  ", --hparams asks for " + std::to_string(hp.attn_length));
    model = std::move(m.model);  // Adam starts afresh, at step 0 of this run
  } else {
    model = std::make_unique<DrumRnn>(DrumRnnShape{&config, hp.rnn_layer_sizes, hp.attn_length});
    model->init_glorot(o.seed);
  }
  // Dropout masks are keyed on the seed and Adam's step, which the checkpoint restores.
  TrainOptions topt{hp.learning_rate, hp.clip_norm, hp.dropout_keep_prob, o.seed, o.threads};
  std::string device_choice;
  auto trainer = make_trainer(parse_device(o.device), *model, topt, &device_choice);
  if (!resume_from.empty()) {
    // Into the host copy, then onto the device: a run saved on one device resumes on the other.
    if (!from_magenta) {
      restore_optimizer(resume_from, trainer->optimizer());
    } else if (magenta_adam) {
      AdamState& adam = trainer->optimizer();
      adam.m.data = magenta_adam->m.data;
      adam.v.data = magenta_adam->v.data;
      adam.step = magenta_adam->step;
    }
    trainer->sync_from_host();
  }

  observer.on_message("training " + std::string(config.name) + " " + layer_sizes_text(hp.rnn_layer_sizes) +
                      (hp.attn_length > 0 ? " with attention over " + std::to_string(hp.attn_length) + " steps" : "") + " on " +
                      std::to_string(data.examples()) + " examples (" + std::to_string(data.total_steps()) +
                      " steps) from " + o.sequence_example_file + ", device " + trainer->device_name() +
                      (device_choice.empty() ? "" : " (" + device_choice + ")") + ", " +
                      (!resume_from.empty() ? "resuming at step " + std::to_string(step) +
                                                    (from_magenta ? " from Magenta's " + resume_from : "")
                       : o.init_model.empty() ? std::string("from scratch") : "from " + o.init_model));

  // Where the model came from, without paths of this machine (the file may be shared).
  const std::map<std::string, std::string> provenance = {
      {"run", run_name(o.run_dir)},
      {"dataset", fs::path(o.sequence_example_file).filename().string()},
      {"dataset_examples", std::to_string(data.examples())},
      {"dataset_steps", std::to_string(data.total_steps())},
      {"created_by", "drumrnn train"}};
  int64_t saved_step = resume_from.empty() || from_magenta ? -1 : step;  // a Magenta resume has no drumrnn file yet
  std::unique_ptr<EventWriter> eval_events;
  // Returns false (having reported why) when the weights or Adam's moments are not finite.
  auto save = [&] {
    trainer->sync_to_host();
    std::string bad = find_non_finite(model->params());
    if (bad.empty()) bad = find_non_finite(trainer->optimizer().m, "optimizer/m/");
    if (bad.empty()) bad = find_non_finite(trainer->optimizer().v, "optimizer/v/");
    if (!bad.empty()) {
      observer.on_message(divergence_text("the weights became non-finite (" + bad + ")", step, train_dir), true);
      return false;
    }
    save_model(checkpoint_path(train_dir, step), *model, hp, step, &trainer->optimizer(), provenance);
    prune_checkpoints(train_dir, o.num_checkpoints);
    saved_step = step;
    if (eval_data.examples() > 0) {
      if (!eval_events) eval_events = std::make_unique<EventWriter>((fs::path(o.run_dir) / "eval").string());
      const XentTotals t = evaluate_dataset(*trainer, eval_data, hp.batch_size);
      write_metrics(*eval_events, step, t);
      observer.on_message(metrics_line("eval", step, t));
      report_eval(observer, step, o.num_training_steps, t);
    }
    return true;
  };

  EventWriter events(train_dir);
  BatchSampler sampler(data.examples(), hp.batch_size, o.seed * 1000003u + uint64_t(step));
  const auto t0 = std::chrono::steady_clock::now();
  auto window_start = t0;
  const int64_t first_step = step;
  int64_t window_steps = 0, window_tokens = 0, tokens = 0;
  XentTotals window;
  while ((o.num_training_steps == 0 || step < o.num_training_steps) && !observer.cancelled()) {
    const PackedBatch batch = make_batch(data, sampler.next());
    const TrainStepStats s = trainer->train_step(batch);
    ++step;
    if (!s.applied) {
      // The trainer left weights and moments as they were; saving them would only repeat this step.
      const std::string what = !std::isfinite(s.totals.loss()) ? "the loss became " + value_text(s.totals.loss())
                                                               : "the gradient norm became " + value_text(s.grad_norm);
      observer.on_message(divergence_text(what, step, train_dir), true);
      return 1;
    }
    window.add(s.totals);
    ++window_steps;
    window_tokens += batch.rows();
    tokens += batch.rows();
    if (step % o.summary_frequency == 0) {
      const auto now = std::chrono::steady_clock::now();
      const double dt = std::max(std::chrono::duration<double>(now - window_start).count(), 1e-9);
      JobProgress p;
      p.stage = "train";
      p.done = step;
      p.total = o.num_training_steps;
      p.loss = window.loss();
      p.accuracy = window.accuracy();
      p.rate = window_steps / dt;
      p.tokens_per_s = window_tokens / dt;
      for (const auto& [tag, value] : metric_values(window)) events.add_scalar(tag, float(value), step);
      events.add_scalar("global_step/sec", float(p.rate), step);
      events.flush();
      observer.on_progress(p);
      window = {};
      window_steps = window_tokens = 0;
      window_start = now;
    }
    if (step % o.checkpoint_steps == 0 && !save()) return 1;
  }
  if (step != saved_step && !save()) return 1;
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char rates[96];
  std::snprintf(rates, sizeof rates, " (%.2f steps/s, %.0f tokens/s)", (step - first_step) / std::max(total, 1e-9),
                tokens / std::max(total, 1e-9));
  observer.on_message(std::string(observer.cancelled() ? "interrupted" : "stopped") + " at step " +
                      std::to_string(step) + " after " + duration_text(total) + rates + "; checkpoint " +
                      checkpoint_path(train_dir, step));
  return 0;
}

}  // namespace drumrnn
