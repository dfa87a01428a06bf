// `drumrnn live --style FILE [--style FILE...] [--style-bars N]`: the "Style this loop" job for the live
// session. The style files are checked at launch (one line naming a bad one); the job runs on a
// background thread while the instrument plays, and its result crossfades in at a bar line.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "realtime/engine.h"
#include "realtime/style_loop_job.h"
#include "worker/worker.h"

namespace drumrnn {

struct LiveStyleOptions {
  std::vector<std::string> files;
  int bars = 2;
  std::string device = "auto";  // auto | cpu | cuda
  uint64_t seed = 1;
};

// The style engine for the live job. Throws std::runtime_error naming a bad file, or saying why the
// device asked for cannot run it. `description` says which engine and size it chose.
rt::StyleRenderer make_live_style_renderer(const LiveStyleOptions& options, std::string& description);

// One "Style this loop" at a time, as a StyleLoopJob on its own Worker (so a training job on the
// session's other worker never delays it): on the GPU when there is one, else a low-priority CPU
// thread. Any non-audio thread (the panel's and the service loop's both call it).
class LiveStyleJob {
 public:
  LiveStyleJob(rt::Engine& engine, rt::StyleLoopRequest request, rt::StyleRenderer render, const std::string& device);
  ~LiveStyleJob();  // cancels a running job and waits for it
  bool start();     // false while one is queued or running
  bool running() const { return !worker_->idle(); }
  std::string status();  // the latest progress line, or how the last job ended

 private:
  rt::Engine& engine_;
  rt::StyleLoopRequest request_;
  rt::StyleRenderer render_;
  std::unique_ptr<Worker> worker_;
  std::mutex mutex_;  // guards job_ and last_
  JobId job_ = 0;
  std::string last_;
};

}  // namespace drumrnn
