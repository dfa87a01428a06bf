#include "ml/train_loop.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "ml/checkpoint.h"
#include "ml/evaluation.h"
#include "ml/hparams.h"
#include "ml/sequence_dataset.h"
#include "ml/tensorboard.h"
#include "ml/trainer.h"

namespace drumrnn {
namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_stop_requested{false};
extern "C" void request_stop(int) { g_stop_requested.store(true); }

std::string layers_text(const std::vector<int>& layers) {
  std::string s = "[";
  for (size_t i = 0; i < layers.size(); ++i) s += (i ? "," : "") + std::to_string(layers[i]);
  return s + "]";
}

std::string duration_text(double seconds) {
  char buf[32];
  const long s = long(seconds);
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  return buf;
}

void print_metrics(const char* label, int64_t step, const XentTotals& t) {
  std::printf("%s at step %lld: loss %.4f  perplexity %.3f  accuracy %.4f  event_accuracy %.4f  no_event_accuracy %.4f",
              label, (long long)step, t.loss(), std::exp(t.loss()), t.accuracy(), t.event_accuracy(),
              t.no_event_accuracy());
  if (!t.class_steps.empty()) std::printf("  per_class_accuracy %.4f", t.per_class_accuracy());
  std::printf("\n");
  std::fflush(stdout);
}

void write_metrics(EventWriter& events, int64_t step, const XentTotals& t) {
  for (const auto& [tag, value] : metric_values(t)) events.add_scalar(tag, float(value), step);
  events.flush();
}

// --eval: every checkpoint in RUN/train, evaluated on the eval file into RUN/eval.
int run_eval_only(const TrainRunOptions& o, const DrumConfig& config, const HParams& hp) {
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
  for (const auto& [step, path] : by_step) {
    LoadedModel m = load_model(path, o.config);
    TrainOptions topt;
    topt.threads = o.threads;
    auto trainer = make_trainer(parse_device(o.device), *m.model, topt);
    const XentTotals t = evaluate_dataset(*trainer, data, hp.batch_size);
    write_metrics(events, step, t);
    print_metrics("eval", step, t);
  }
  return 0;
}

}  // namespace

int run_training(const TrainRunOptions& o) {
  if (o.run_dir.empty()) throw std::invalid_argument("--run_dir is required");
  if (o.sequence_example_file.empty()) throw std::invalid_argument("--sequence_example_file is required");
  const DrumConfig& config = drum_config(o.config);
  HParams hp = parse_hparams(o.hparams, default_hparams(o.config));
  if (o.eval_only) return run_eval_only(o, config, hp);

  const std::string train_dir = (fs::path(o.run_dir) / "train").string();
  const SequenceDataset data = load_sequence_examples(o.sequence_example_file, config.input_size, config.num_classes);
  if (data.examples() == 0) throw DatasetError(o.sequence_example_file + ": the dataset is empty");
  SequenceDataset eval_data;
  if (!o.eval_sequence_example_file.empty())
    eval_data = load_sequence_examples(o.eval_sequence_example_file, config.input_size, config.num_classes);

  // Resume from the newest checkpoint of this run, or start afresh.
  std::unique_ptr<DrumRnn> model;
  int64_t step = 0;
  const std::string resume_from = latest_checkpoint(train_dir);
  if (!resume_from.empty()) {
    LoadedModel m = load_model(resume_from, o.config);
    if (m.hparams.rnn_layer_sizes != hp.rnn_layer_sizes)
      throw std::invalid_argument(o.run_dir + " holds a model with rnn_layer_sizes=" +
                                  layers_text(m.hparams.rnn_layer_sizes) + ", --hparams asks for " +
                                  layers_text(hp.rnn_layer_sizes) + " (use a new --run_dir)");
    model = std::move(m.model);
    step = m.step;
  } else {
    model = std::make_unique<DrumRnn>(DrumRnnShape{&config, hp.rnn_layer_sizes});
    model->init_glorot(o.seed);
  }
  TrainOptions topt{hp.learning_rate, hp.clip_norm, hp.dropout_keep_prob, o.seed + uint64_t(step), o.threads};
  auto trainer = make_trainer(parse_device(o.device), *model, topt);
  if (!resume_from.empty()) restore_optimizer(resume_from, trainer->optimizer());

  std::printf("training %s %s on %zu examples (%zu steps) from %s, device %s, %s\n", config.name,
              layers_text(hp.rnn_layer_sizes).c_str(), data.examples(), data.total_steps(),
              o.sequence_example_file.c_str(), trainer->device_name().c_str(),
              resume_from.empty() ? "from scratch" : ("resuming at step " + std::to_string(step)).c_str());
  std::fflush(stdout);

  const std::map<std::string, std::string> provenance = {
      {"dataset", fs::absolute(o.sequence_example_file).string()},
      {"dataset_examples", std::to_string(data.examples())},
      {"dataset_steps", std::to_string(data.total_steps())},
      {"created_by", "drumrnn train"}};
  int64_t saved_step = resume_from.empty() ? -1 : step;
  std::unique_ptr<EventWriter> eval_events;
  auto save = [&] {
    trainer->sync_to_host();
    save_model(checkpoint_path(train_dir, step), *model, hp, step, &trainer->optimizer(), provenance);
    prune_checkpoints(train_dir, o.num_checkpoints);
    saved_step = step;
    if (eval_data.examples() > 0) {
      if (!eval_events) eval_events = std::make_unique<EventWriter>((fs::path(o.run_dir) / "eval").string());
      const XentTotals t = evaluate_dataset(*trainer, eval_data, hp.batch_size);
      write_metrics(*eval_events, step, t);
      print_metrics("\neval", step, t);
    }
  };

  EventWriter events(train_dir);
  BatchSampler sampler(data.examples(), hp.batch_size, o.seed * 1000003u + uint64_t(step));
  g_stop_requested = false;
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  const bool tty = o.progress && ::isatty(STDOUT_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  auto window_start = t0;
  const int64_t first_step = step;
  int64_t window_steps = 0, window_tokens = 0, tokens = 0;
  XentTotals window;
  double steps_per_s = 0, tokens_per_s = 0;
  int exit_status = 0;
  while ((o.num_training_steps == 0 || step < o.num_training_steps) && !g_stop_requested) {
    const PackedBatch batch = make_batch(data, sampler.next());
    const TrainStepStats s = trainer->train_step(batch);
    ++step;
    if (!std::isfinite(s.totals.loss())) {
      std::fprintf(stderr, "drumrnn train: error: the loss became %f at step %lld; the last checkpoint is kept\n",
                   s.totals.loss(), (long long)step);
      exit_status = 1;
      break;
    }
    window.add(s.totals);
    ++window_steps;
    window_tokens += batch.rows();
    tokens += batch.rows();
    if (step % o.summary_frequency == 0) {
      const auto now = std::chrono::steady_clock::now();
      const double dt = std::chrono::duration<double>(now - window_start).count();
      steps_per_s = window_steps / dt;
      tokens_per_s = window_tokens / dt;
      for (const auto& [tag, value] : metric_values(window)) events.add_scalar(tag, float(value), step);
      events.add_scalar("global_step/sec", float(steps_per_s), step);
      events.flush();
      if (tty) {
        const double eta = o.num_training_steps ? (o.num_training_steps - step) / steps_per_s : 0;
        std::printf("\rstep %lld%s  loss %.4f  acc %.3f  %.2f steps/s  %.0f tokens/s%s   ", (long long)step,
                    o.num_training_steps ? ("/" + std::to_string(o.num_training_steps)).c_str() : "", window.loss(),
                    window.accuracy(), steps_per_s, tokens_per_s,
                    o.num_training_steps ? ("  ETA " + duration_text(eta)).c_str() : "");
      } else {
        std::printf("Global Step: %lld - Loss: %.4f - Perplexity: %.3f - Accuracy: %.4f - %.2f steps/s, %.0f tokens/s\n",
                    (long long)step, window.loss(), std::exp(window.loss()), window.accuracy(), steps_per_s,
                    tokens_per_s);
      }
      std::fflush(stdout);
      window = {};
      window_steps = window_tokens = 0;
      window_start = now;
    }
    if (step % o.checkpoint_steps == 0) save();
  }
  if (step != saved_step) save();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (tty) std::printf("\n");
  std::printf("%s at step %lld after %s (%.2f steps/s, %.0f tokens/s); checkpoint %s\n",
              g_stop_requested ? "interrupted" : "stopped", (long long)step, duration_text(total).c_str(),
              (step - first_step) / std::max(total, 1e-9), tokens / std::max(total, 1e-9),
              checkpoint_path(train_dir, step).c_str());
  return exit_status;
}

}  // namespace drumrnn
