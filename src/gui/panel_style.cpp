// "Style this loop" (drumrnn live --style): one button that restyles the last bars in the background
// and crossfades the result in at a bar line, the job's latest status, and the loop slot's crossfade.
#include "gui/panel_state.h"

namespace drumrnn::gui {

void draw_style(PanelState& s) {
  ImGui::Begin("Style");
  s.record_window("style");
  if (ImGui::Button("Style this loop")) {
    if (!s.ctx.style_this_loop()) s.say("a style job is already running");
  }
  ImGui::SameLine();
  ImGui::Text("loop %.0f%%", s.snap.crossfade * 100.0f);
  if (s.ctx.style_status) ImGui::TextWrapped("%s", s.ctx.style_status().c_str());
  ImGui::End();
}

}  // namespace drumrnn::gui
