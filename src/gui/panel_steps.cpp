// The step view and the primer editor, one row per drum class with its mute and level.
// Step view: the last steps played (EngineSnapshot::recent_*), the playhead, and the steps the
// generator has already written ahead (read from the step ring); primer steps are outlined.
// Primer editor: a 9 x 16 grid; a click toggles a cell and sends the whole bar to set_primer().
#include "gui/panel_state.h"

namespace drumrnn::gui {
namespace {

constexpr int kPast = 32, kAhead = 16;
constexpr float kCellW = 12, kCellH = 18, kPrimerW = 24;

ImU32 class_colour(int c, float alpha) {
  float rgb[3];
  color_map_rgb(ColorMap::viridis, 0.25f + 0.75f * c / float(rt::kDrumClasses - 1), rgb);
  return ImGui::GetColorU32(ImVec4(rgb[0], rgb[1], rgb[2], alpha));
}

}  // namespace

void draw_steps(PanelState& s) {
  using T = rt::ControlTarget;
  const auto& snap = s.snap;
  ImGui::Begin("Steps");
  s.record_window("steps");
  ImDrawList* dl = ImGui::GetWindowDrawList();

  // Past steps by index, from the snapshot's window (slot = step % kStepWindow).
  const int64_t now = snap.next_step - 1;  // the step sounding
  auto past_class = [&](int64_t step, bool& from_primer) {
    const int slot = int(step % rt::kStepWindow);
    if (step < 0 || snap.recent_step[slot] != step) return -2;  // not in the window
    from_primer = snap.recent_from_primer[slot] != 0;
    return int(snap.recent_class[slot]);                       // -1: was late
  };
  const auto& ring = s.engine.generation().ring();

  ImGui::TextDisabled("step view: %d played  |  playhead  |  generated ahead", kPast);
  const float label_w = 200;
  const ImVec2 grid0 = ImVec2(ImGui::GetCursorScreenPos().x + label_w, ImGui::GetCursorScreenPos().y);
  for (int c = 0; c < rt::kDrumClasses; ++c) {
    ImGui::PushID(c);
    bool mute = snap.muted[c] != 0;
    if (ImGui::Checkbox("##mute", &mute)) s.engine.send({T::drum_mute, int16_t(c), mute ? 1.0f : 0.0f});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("mute %s", rt::kDrumClassNames[c]);
    ImGui::SameLine();
    float level = snap.level[c];
    ImGui::SetNextItemWidth(60);
    if (ImGui::SliderFloat("##level", &level, 0.0f, 2.0f, "%.2f")) s.engine.send({T::drum_level, int16_t(c), level});
    ImGui::SameLine();
    ImGui::TextUnformatted(rt::kDrumClassNames[c]);
    ImGui::PopID();
  }
  const float rows_h = rt::kDrumClasses * ImGui::GetFrameHeightWithSpacing();
  const float row_h = ImGui::GetFrameHeightWithSpacing();
  for (int col = 0; col < kPast + kAhead; ++col) {
    const int64_t step = now - (kPast - 1) + col;
    int cls = -2;
    bool from_primer = false, ahead = col >= kPast;
    if (!ahead) {
      cls = past_class(step, from_primer);
    } else {
      rt::PlayedStep p;
      if (step >= 0 && ring.read(step, p)) cls = p.drum_class, from_primer = p.from_primer;
    }
    const float x = grid0.x + col * kCellW;
    if (step >= 0 && step % 4 == 0)
      dl->AddLine(ImVec2(x, grid0.y), ImVec2(x, grid0.y + rows_h), ImGui::GetColorU32(ImVec4(1, 1, 1, step % 16 == 0 ? 0.35f : 0.12f)));
    for (int c = 0; c < rt::kDrumClasses; ++c) {
      const ImVec2 a(x + 1, grid0.y + c * row_h + 2), b(x + kCellW - 1, grid0.y + c * row_h + kCellH);
      const bool hit = cls >= 0 && (cls >> c & 1);
      dl->AddRectFilled(a, b, hit ? class_colour(c, ahead ? 0.45f : 1.0f) : ImGui::GetColorU32(ImVec4(1, 1, 1, 0.05f)));
      if (hit && from_primer) dl->AddRect(a, b, ImGui::GetColorU32(ImVec4(1, 0.55f, 0.1f, 1)), 0, 0, 2);
      if (cls == -1 && !ahead) dl->AddRectFilled(a, b, ImGui::GetColorU32(ImVec4(0.8f, 0.1f, 0.1f, 0.3f)));  // late
    }
  }
  const float head_x = grid0.x + (kPast - 1) * kCellW;
  dl->AddRect(ImVec2(head_x, grid0.y), ImVec2(head_x + kCellW, grid0.y + rows_h), ImGui::GetColorU32(ImVec4(1, 1, 1, 0.9f)), 0, 0, 2);
  s.record("step_view", grid0, ImVec2((kPast + kAhead) * kCellW, rows_h));
  ImGui::Text("orange outline: from the primer   red: late   dim: generated ahead   late steps %llu",
              (unsigned long long)snap.late_steps);

  ImGui::Separator();
  ImGui::Text("Primer (one bar; click to toggle)");
  if (s.primer_length > size_t(kPrimerSteps)) {
    ImGui::SameLine();
    ImGui::TextDisabled("- the engine's primer is %zu steps; editing replaces it with this bar", s.primer_length);
  }
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 origin(p0.x + label_w, p0.y);
  const ImVec2 cell(kPrimerW, kCellH + 2);
  for (int c = 0; c < rt::kDrumClasses; ++c) {
    dl->AddText(ImVec2(p0.x + 4, origin.y + c * cell.y + 2), ImGui::GetColorU32(ImGuiCol_Text), rt::kDrumClassNames[c]);
    for (int step = 0; step < kPrimerSteps; ++step) {
      const ImVec2 a(origin.x + step * cell.x, origin.y + c * cell.y);
      ImGui::SetCursorScreenPos(a);
      ImGui::PushID(c * kPrimerSteps + step);
      if (ImGui::InvisibleButton("cell", cell)) {
        s.primer[c][step] = !s.primer[c][step];
        s.send_primer_to_engine();
      }
      ImGui::PopID();
      const bool on = s.primer[c][step];
      const ImU32 off_colour = ImGui::GetColorU32(ImVec4(1, 1, 1, step % 4 == 0 ? 0.14f : 0.07f));
      dl->AddRectFilled(ImVec2(a.x + 2, a.y + 2), ImVec2(a.x + cell.x - 2, a.y + cell.y - 2), on ? class_colour(c, 1) : off_colour);
    }
  }
  s.record("primer_grid", origin, ImVec2(cell.x * kPrimerSteps, cell.y * rt::kDrumClasses));
  ImGui::SetCursorScreenPos(ImVec2(p0.x, origin.y + cell.y * rt::kDrumClasses + 4));
  if (ImGui::Button("Clear primer")) {
    for (auto& row : s.primer) row.fill(false);
    s.send_primer_to_engine();
  }
  ImGui::SameLine();
  if (ImGui::Button("Re-read from engine")) s.read_primer_from_engine();
  ImGui::End();
}

}  // namespace drumrnn::gui
