// Presets: save and load the whole session as presets/sessions/NAME.json. A file that fails to parse
// is refused with its reason and nothing changes.
#include "gui/panel_state.h"

namespace drumrnn::gui {

void draw_presets(PanelState& s) {
  ImGui::Begin("Presets");
  s.record_window("presets");
  ImGui::InputText("Name", s.preset_name, sizeof s.preset_name);
  if (ImGui::Button("Save")) {
    if (!s.preset_name[0]) {
      s.say("give the preset a name first", true);
    } else {
      const std::string path = session_preset_path_for(s.preset_name);
      try {
        save_session_preset(s.current_preset(), path);
        s.say("saved " + path);
      } catch (const std::exception& e) {
        s.say(std::string("not saved: ") + e.what(), true);
      }
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Load")) {
    try {
      s.apply_preset(load_session_preset(s.preset_name));  // parses fully before changing anything
      s.say(std::string("loaded preset ") + s.preset_name);
    } catch (const std::exception& e) {
      s.say(std::string("preset not loaded: ") + e.what(), true);
    }
  }
  static std::vector<std::string> names = session_preset_names();
  ImGui::SameLine();
  if (ImGui::Button("Refresh")) names = session_preset_names();
  ImGui::BeginChild("preset_list", ImVec2(0, 0), true);
  for (const auto& n : names)
    if (ImGui::Selectable(n.c_str(), n == s.preset_name)) std::snprintf(s.preset_name, sizeof s.preset_name, "%s", n.c_str());
  ImGui::EndChild();
  ImGui::End();
}

}  // namespace drumrnn::gui
