// The live session's side of train while playing: one Worker, at most one LiveTrainingJob at a time,
// its swaps sent to the engine's GenerationService (at the next bar line) and the lines worth
// printing kept for the terminal. start/cancel/swap_now/view belong to one thread (the panel's, or
// the main thread when headless); poll/take_lines to the service thread. Never the audio thread.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "realtime/generation.h"
#include "worker/live_training.h"
#include "worker/worker.h"

namespace drumrnn {

struct LiveTrainerView {
  std::string folder;          // "" = no --train-on folder: Start is disabled
  std::string run_dir;
  std::string device;          // "cpu (1 thread, idle priority)"
  bool running = false;
  std::optional<JobStatus> job;  // the running or last finished job
  int64_t swaps = 0, last_swap_step = -1;
  double last_swap_eval_loss = NAN;
};

class LiveTrainer {
 public:
  // Throws DeviceError when worker.device asks for a GPU that is not there.
  LiveTrainer(LiveTrainingOptions options, rt::GenerationService& generation, WorkerOptions worker = {});
  ~LiveTrainer();  // cancels the job (it saves a checkpoint) and waits for it

  bool start();     // false when no folder is set or a job is running
  void cancel();
  void swap_now();  // the next checkpoint that improved goes in at once
  void poll();      // hands back a finished job: its failure or stop becomes a line
  std::vector<std::string> take_lines();  // swaps, failures, stops: one line each, oldest first
  LiveTrainerView view() const;
  bool has_folder() const { return !options_.midi_dir.empty(); }

 private:
  void say(std::string line);

  LiveTrainingOptions options_;
  rt::GenerationService& generation_;
  std::unique_ptr<Worker> worker_;
  std::shared_ptr<LiveTrainingControl> control_;
  JobId job_ = 0;
  std::optional<JobStatus> last_;  // guarded by lines_mutex_
  mutable std::mutex lines_mutex_;
  std::vector<std::string> lines_;
};

}  // namespace drumrnn
