// I/O: the audio device and buffer, the MIDI ports, the kit map of the MIDI output, the controller
// map with MIDI learn, a status line (latency, callback load, xruns) and the panel's messages.
#include <memory>

#include "gui/panel_state.h"

namespace drumrnn::gui {
namespace {

struct Learnable {
  rt::ControlTarget target;
  int index;
  std::string label;
};

const std::vector<Learnable>& learnables() {
  using T = rt::ControlTarget;
  static const std::vector<Learnable> list = [] {
    std::vector<Learnable> l = {{T::toggle_play, 0, "play/stop"}, {T::bpm, 0, "bpm"}, {T::swing, 0, "swing"},
                                {T::temperature, 0, "temperature"}, {T::master_level, 0, "master level"},
                                {T::regenerate, 0, "regenerate"}};
    for (int c = 0; c < rt::kDrumClasses; ++c) l.push_back({T::drum_level, c, std::string("level ") + rt::kDrumClassNames[c]});
    for (int c = 0; c < rt::kDrumClasses; ++c) l.push_back({T::drum_mute, c, std::string("mute ") + rt::kDrumClassNames[c]});
    return l;
  }();
  return list;
}

// The learned binding, when MIDI learn caught a CC: the controller map gains it (replacing any binding
// on that CC or to that control) and the MIDI input switches to the new map.
void take_learned(PanelState& s) {
  if (!s.ctx.midi_in) return;
  rt::ControllerBinding b;
  while (s.ctx.midi_in->pop_learned(b)) {
    const auto old = s.ctx.midi_in->controller_map();
    auto map = std::make_shared<rt::ControllerMap>(rt::with_binding(old ? *old : rt::ControllerMap{}, b));
    s.ctx.midi_in->set_controller_map(map);
    s.say("learned CC " + std::to_string(b.cc) + " (channel " + std::to_string(b.channel + 1) + ") -> " + s.learning);
    s.learning.clear();
  }
}

}  // namespace

void draw_io(PanelState& s) {
  take_learned(s);
  ImGui::Begin("I/O");
  s.record_window("io");
  const double rate = s.engine.config().sample_rate;
  ImGui::Text("Audio: %s", s.ctx.audio_device.empty() ? "-" : s.ctx.audio_device.c_str());
  ImGui::Text("Buffer: %d frames at %.0f Hz (%.2f ms)", s.ctx.buffer_frames, rate, s.ctx.buffer_frames * 1000.0 / rate);
  ImGui::Text("MIDI in: %s   MIDI out: %s", s.ctx.midi_in_name.empty() ? "-" : s.ctx.midi_in_name.c_str(),
              s.ctx.midi_out_name.empty() ? "-" : s.ctx.midi_out_name.c_str());
  if (ImGui::TreeNode("kit_map", "Kit map: %s (channel %d)", s.ctx.kit_map_name.c_str(), s.ctx.kit_map.channel + 1)) {
    for (int c = 0; c < rt::kDrumClasses; ++c) ImGui::Text("%-11s -> note %d", rt::kDrumClassNames[c], s.ctx.kit_map.note[c]);
    ImGui::TreePop();
  }

  const auto live_map = s.ctx.midi_in ? s.ctx.midi_in->controller_map() : nullptr;
  const rt::ControllerMap& map = live_map ? *live_map : s.ctx.controller_map;
  if (ImGui::TreeNode("controllers", "Controller map: %s (%zu bindings)", map.name.empty() ? "-" : map.name.c_str(),
                      map.bindings.size())) {
    if (!s.ctx.midi_in) ImGui::TextDisabled("MIDI learn needs a MIDI input: drumrnn live --midi-in NAME");
    if (!s.learning.empty()) {
      ImGui::TextColored(ImVec4(1, 0.8f, 0.2f, 1), "move a knob for %s ...", s.learning.c_str());
      ImGui::SameLine();
      if (ImGui::SmallButton("cancel")) s.ctx.midi_in->learn().cancel(), s.learning.clear();
    }
    ImGui::BeginChild("bindings", ImVec2(0, 150), true);
    for (const auto& l : learnables()) {
      ImGui::PushID(l.label.c_str());
      std::string bound = "-";
      for (const auto& b : map.bindings)
        if (b.target == l.target && b.index == l.index)
          bound = "CC " + std::to_string(b.cc) + (b.channel >= 0 ? " ch " + std::to_string(b.channel + 1) : "");
      ImGui::BeginDisabled(!s.ctx.midi_in);
      if (ImGui::SmallButton("learn")) {
        s.ctx.midi_in->learn().arm(l.target, l.index);
        s.learning = l.label;
      }
      ImGui::EndDisabled();
      ImGui::SameLine();
      ImGui::Text("%-16s %s", l.label.c_str(), bound.c_str());
      ImGui::PopID();
    }
    ImGui::EndChild();
    ImGui::TreePop();
  }

  ImGui::Separator();
  const auto load = s.engine.load();
  ImGui::Text("latency %.1f ms  load %.1f%% (p99 %.1f%%)  xruns %llu", s.ctx.buffer_frames * 1000.0 / rate,
              load.p50 * 100, load.p99 * 100, (unsigned long long)s.engine.xruns());
  s.record("status_line", ImGui::GetItemRectMin(), ImGui::GetItemRectSize());
  ImGui::Separator();
  for (const auto& m : s.messages) {
    if (m.error) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", m.text.c_str());
    else ImGui::TextWrapped("%s", m.text.c_str());
  }
  ImGui::End();
}

}  // namespace drumrnn::gui
