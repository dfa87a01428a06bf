#include "realtime/style_loop_job.h"

#include <stdexcept>

#include "realtime/loop_capture.h"

namespace drumrnn::rt {

std::shared_ptr<const LoopBuffer> style_this_loop(Engine& engine, const StyleLoopRequest& request,
                                                  const StyleRenderer& render, JobObserver& job) {
  if (!request.model || !request.kit || !render) throw std::invalid_argument("style loop: no model, kit or renderer");
  const EngineSnapshot now = engine.snapshot();
  JobProgress p;
  p.stage = "capture";
  job.on_progress(p);
  const CapturedBars bars = capture_bars(engine.generation(), now.next_step, request.bars);
  EngineConfig config = engine.config();
  config.bpm = now.bpm;
  config.swing = now.swing;
  const RenderedAudio content = render_steps(bars.classes, request.model, request.kit, config);
  std::vector<float> mono(content.left.size());
  for (size_t i = 0; i < mono.size(); ++i) mono[i] = 0.5f * (content.left[i] + content.right[i]);
  if (job.cancelled()) return nullptr;
  const StyledAudio styled = render(mono, content.sample_rate, job);
  if (job.cancelled()) return nullptr;
  p.stage = "loop";
  job.on_progress(p);
  std::shared_ptr<const LoopBuffer> loop =
      tempo_locked_loop(styled.samples, styled.rate, request.bars, now.bpm, config.sample_rate,
                        "styled bars " + std::to_string(bars.first_step / kStepsPerBar + 1) + "-" +
                            std::to_string(bars.first_step / kStepsPerBar + request.bars));
  engine.set_loop(loop);  // lands at the next bar line
  engine.send({ControlTarget::loop_crossfade, 0, request.crossfade});
  job.on_message("styled loop ready: " + loop->name);
  return loop;
}

}  // namespace drumrnn::rt
