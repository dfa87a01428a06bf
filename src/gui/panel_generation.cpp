// Generation: temperature, mode (continuous, loop N bars, regenerate, call and response), the model
// (a path loaded off the GUI thread, then swapped in at a bar line), reseed and regenerate.
#include <random>

#include "gui/panel_state.h"

namespace drumrnn::gui {

void draw_generation(PanelState& s) {
  using T = rt::ControlTarget;
  const auto& snap = s.snap;
  ImGui::Begin("Generation");
  s.record_window("generation");
  float temperature = snap.temperature;
  if (ImGui::SliderFloat("Temperature", &temperature, 0.05f, 4.0f, "%.2f", ImGuiSliderFlags_Logarithmic))
    s.engine.send({T::temperature, 0, temperature});

  static const char* kModes[] = {"continuous", "loop N bars", "regenerate every N bars", "call and response"};
  int mode = snap.mode;
  if (ImGui::Combo("Mode", &mode, kModes, 4)) {
    s.engine.send({T::mode_bars, 0, float(s.mode_bars)});
    s.engine.send({T::mode, 0, float(mode)});
  }
  if (ImGui::SliderInt("Bars (N)", &s.mode_bars, 1, 16)) s.engine.send({T::mode_bars, 0, float(s.mode_bars)});

  if (ImGui::Button("Reseed")) s.engine.send({T::reseed, 0, float(std::random_device{}() % 1000000)});
  ImGui::SameLine();
  if (ImGui::Button("Regenerate now")) s.engine.send({T::regenerate, 0, 0});

  ImGui::Separator();
  ImGui::InputText("Model", s.model_path, sizeof s.model_path);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("a .safetensors drum_kit model; empty = the shipped Groove model");
  ImGui::SameLine();
  ImGui::BeginDisabled(s.model_load.valid());
  if (ImGui::Button("Load##model")) s.start_model_load(s.model_path);
  ImGui::EndDisabled();
  const auto status = s.engine.generation().status();
  ImGui::TextDisabled("playing: %s  (swaps %lld)", s.ctx.model_path.empty() ? "shipped Groove model" : s.ctx.model_path.c_str(),
                      (long long)status.model_swaps);
  ImGui::InputText("Kit", s.kit_name, sizeof s.kit_name);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("a Hydrogen kit name (GMRockKit, ...) or folder; empty = synthesized");
  ImGui::SameLine();
  ImGui::BeginDisabled(s.kit_load.valid());
  if (ImGui::Button("Load##kit")) s.start_kit_load(s.kit_name);
  ImGui::EndDisabled();
  ImGui::TextDisabled("kit: %s", s.engine.kit() ? s.engine.kit()->name.c_str() : "-");
  ImGui::End();
}

}  // namespace drumrnn::gui
