// Transport: play/stop (also the space bar, handled by the app loop), tempo, swing, the clock source
// and where the playhead is (bar.beat.step).
#include "gui/panel_state.h"

namespace drumrnn::gui {

void draw_transport(PanelState& s) {
  using T = rt::ControlTarget;
  const auto& snap = s.snap;
  ImGui::Begin("Transport");
  s.record_window("transport");
  if (ImGui::Button(snap.playing ? "Stop" : "Play", ImVec2(80, 0))) s.engine.send({T::toggle_play, 0, 0});
  s.record("play_button", ImGui::GetItemRectMin(), ImGui::GetItemRectSize());
  ImGui::SameLine();
  if (ImGui::Button("From bar 1")) s.engine.send({T::play, 0, 0});
  ImGui::SameLine();
  const int64_t step = snap.next_step > 0 ? snap.next_step - 1 : 0;
  ImGui::Text("%s  bar %lld.%lld.%lld", snap.playing ? "playing" : "stopped", (long long)(step / 16 + 1),
              (long long)(step % 16 / 4 + 1), (long long)(step % 4 + 1));

  float bpm = float(snap.bpm);
  if (ImGui::SliderFloat("BPM", &bpm, 20.0f, 300.0f, "%.1f")) s.engine.send({T::bpm, 0, bpm});
  float swing = float(snap.swing);
  if (ImGui::SliderFloat("Swing", &swing, 0.0f, 0.75f, "%.2f")) s.engine.send({T::swing, 0, swing});

  // The clock source is chosen at start (it decides which thread drives the transport).
  static const char* kClocks[] = {"internal", "midi", "link"};
  int clock = 0;
  for (int i = 0; i < 3; ++i)
    if (s.ctx.clock_source == kClocks[i]) clock = i;
  ImGui::BeginDisabled();
  ImGui::Combo("Clock", &clock, kClocks, 3);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("chosen at start: drumrnn live --clock internal|midi|link");
  ImGui::End();
}

}  // namespace drumrnn::gui
