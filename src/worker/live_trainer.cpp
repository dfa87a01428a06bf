#include "worker/live_trainer.h"

#include <cstdio>

namespace drumrnn {

LiveTrainer::LiveTrainer(LiveTrainingOptions options, rt::GenerationService& generation, WorkerOptions worker)
    : options_(std::move(options)), generation_(generation), worker_(std::make_unique<Worker>(worker)) {}

LiveTrainer::~LiveTrainer() {
  worker_->cancel_all();
  worker_.reset();  // joins: the job's last checkpoint is complete before the engine goes
}

void LiveTrainer::say(std::string line) {
  std::lock_guard lock(lines_mutex_);
  lines_.push_back(std::move(line));
}

bool LiveTrainer::start() {
  if (!has_folder() || (job_ && !worker_->idle())) return false;
  control_ = std::make_shared<LiveTrainingControl>();
  auto on_swap = [this](std::shared_ptr<const DrumRnn> model, const ModelSwap& swap) {
    generation_.swap_model(std::move(model));  // lands at the next bar line
    char buf[160];
    std::snprintf(buf, sizeof buf, "swapped in the model of step %lld (eval loss %.4f) at the next bar line",
                  (long long)swap.step, swap.eval_loss);
    say(buf);
  };
  job_ = worker_->submit(std::make_unique<LiveTrainingJob>(options_, control_, on_swap));
  say("training on " + options_.midi_dir + " into " + options_.run_dir + " (" +
      std::string(worker_device_name(worker_->device())) + ", " + std::to_string(worker_->threads()) + " threads)");
  return true;
}

void LiveTrainer::cancel() {
  if (job_) worker_->cancel(job_);
}

void LiveTrainer::swap_now() {
  if (control_) control_->swap_requested = true;
}

void LiveTrainer::poll() {
  for (FinishedJob& f : worker_->take_finished()) {
    {
      std::lock_guard lock(lines_mutex_);  // view() reads it on the panel thread
      last_ = JobStatus{};
      last_->id = f.id;
      last_->name = "train";
      last_->state = f.state;
      last_->error = f.error;
    }
    auto* job = dynamic_cast<LiveTrainingJob*>(f.job.get());
    const std::string at = job ? " at step " + std::to_string(job->final_step()) : "";
    if (f.state == JobState::failed) say("training failed: " + f.error + "; the playing model stays");
    else if (f.state == JobState::cancelled) say("training stopped" + at + "; checkpoints in " + options_.run_dir + "/train");
    else say("training finished" + at + "; checkpoints in " + options_.run_dir + "/train");
  }
}

std::vector<std::string> LiveTrainer::take_lines() {
  std::lock_guard lock(lines_mutex_);
  std::vector<std::string> out;
  out.swap(lines_);
  return out;
}

LiveTrainerView LiveTrainer::view() const {
  LiveTrainerView v;
  v.folder = options_.midi_dir;
  v.run_dir = options_.run_dir;
  v.device = std::string(worker_device_name(worker_->device())) + " (" + std::to_string(worker_->threads()) +
             (worker_->threads() == 1 ? " thread" : " threads") + ")";
  if (job_) v.job = worker_->status(job_);
  v.running = v.job && (v.job->state == JobState::running || v.job->state == JobState::queued);
  if (!v.job) {
    std::lock_guard lock(lines_mutex_);
    v.job = last_;
  }
  if (control_) {
    v.swaps = control_->swaps.load();
    v.last_swap_step = control_->last_swap_step.load();
    v.last_swap_eval_loss = control_->last_swap_eval_loss.load();
  }
  return v;
}

}  // namespace drumrnn
