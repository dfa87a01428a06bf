// "Style this loop" as one job: capture the live engine's last N bars, render them offline (content),
// hand them to a style renderer (the CPU or GPU style transfer, chosen by the caller), fit the result
// to exactly N bars at the session's tempo and rate, and drop it into the engine's loop slot, where it
// lands and crossfades in at the next bar line. Runs on a background thread (the Worker) while the
// instrument plays; it touches the engine only through set_loop(), send() and snapshot().
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "common/job.h"
#include "ml/drum_rnn.h"
#include "realtime/engine.h"
#include "realtime/kit.h"
#include "realtime/loop_slot.h"

namespace drumrnn::rt {

struct StyledAudio {
  std::vector<float> samples;  // mono
  double rate = 22050;
};

// The style engine: mono content at `rate` in, styled mono out (any rate). Throws on bad input;
// returns early (any audio) when job.cancelled().
using StyleRenderer = std::function<StyledAudio(const std::vector<float>& content, double rate, JobObserver& job)>;

struct StyleLoopRequest {
  int bars = 2;
  std::shared_ptr<const DrumRnn> model;  // the live session's (its encoding)
  std::shared_ptr<const Kit> kit;        // the live session's
  float crossfade = 1.0f;                // the loop slot's share once it lands
};

// Returns the loop it installed, or nullptr when cancelled. Progress stages: "capture", then the
// renderer's own, then "loop".
std::shared_ptr<const LoopBuffer> style_this_loop(Engine& engine, const StyleLoopRequest& request,
                                                  const StyleRenderer& render, JobObserver& job);

}  // namespace drumrnn::rt

// The same job as a unit of work for the background Worker (worker/worker.h): submit it and read
// `loop` once take_finished() hands it back. The loop is already installed in the engine by then.
#include "worker/worker.h"

namespace drumrnn::rt {

class StyleLoopJob : public Job {
 public:
  StyleLoopJob(Engine& engine, StyleLoopRequest request, StyleRenderer render)
      : engine_(engine), request_(std::move(request)), render_(std::move(render)) {}
  std::string name() const override { return "style"; }
  void run(const WorkerContext&, JobObserver& observer) override {
    loop = style_this_loop(engine_, request_, render_, observer);
  }
  std::shared_ptr<const LoopBuffer> loop;  // the result (nullptr when cancelled)

 private:
  Engine& engine_;
  StyleLoopRequest request_;
  StyleRenderer render_;
};

}  // namespace drumrnn::rt
