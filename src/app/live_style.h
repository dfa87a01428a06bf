// `drumrnn live --style FILE [--style FILE...] [--style-bars N]`: the "Style this loop" job for the live
// session. The style files are checked at launch (one line naming a bad one); the job runs on a
// background thread while the instrument plays, and its result crossfades in at a bar line.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "realtime/engine.h"
#include "realtime/style_loop_job.h"

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

// One "Style this loop" at a time, on its own thread.
class LiveStyleJob : public JobObserver {
 public:
  LiveStyleJob(rt::Engine& engine, rt::StyleLoopRequest request, rt::StyleRenderer render)
      : engine_(engine), request_(std::move(request)), render_(std::move(render)) {}
  ~LiveStyleJob();
  bool start();  // false while one is running
  bool running() const { return running_.load(); }
  std::string status() const;  // the latest progress or message line

  void on_progress(const JobProgress& p) override;
  void on_message(std::string_view line, bool error) override;

 private:
  rt::Engine& engine_;
  rt::StyleLoopRequest request_;
  rt::StyleRenderer render_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  mutable std::mutex mutex_;
  std::string status_;
};

}  // namespace drumrnn
