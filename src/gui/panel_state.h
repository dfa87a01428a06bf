// What the panels share on the GUI thread: the engine, the app's context, the widgets' values, the
// messages shown to the performer, loads running off-thread and the layout rectangles the tests read.
#pragma once
#include <array>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <imgui.h>

#include "gui/panel_app.h"
#include "gui/texture_quad.h"

namespace drumrnn::gui {

constexpr int kPrimerSteps = 16;

struct PanelMessage {
  std::string text;
  bool error = false;
};

struct PanelState {
  PanelState(rt::Engine& e, PanelContext& c) : engine(e), ctx(c) {}
  rt::Engine& engine;
  PanelContext& ctx;
  rt::EngineSnapshot snap;  // this frame's

  // Widget values (the engine's values are read back from the snapshot each frame).
  std::array<std::array<bool, kPrimerSteps>, rt::kDrumClasses> primer{};  // [class][step]
  size_t primer_length = 1;  // steps in the engine's primer when the panel read it
  char model_path[512] = {0}, kit_name[256] = {0}, preset_name[128] = {0};
  int mode_bars = 2;

  // Off-thread loads: a model, a kit. At most one of each at a time.
  std::future<std::shared_ptr<const DrumRnn>> model_load;
  std::future<std::shared_ptr<const rt::Kit>> kit_load;
  std::string model_loading, kit_loading;

  // MIDI learn: the control armed, if any ("" = none).
  std::string learning;

  std::deque<PanelMessage> messages;  // newest last, at most kMaxMessages
  static constexpr size_t kMaxMessages = 8;

  TextureQuadRenderer quads;
  DataTexture scope_texture, meter_texture;
  std::string shader_error;

  std::map<std::string, std::array<float, 4>> layout;  // name -> x, y, w, h (window coordinates)
  std::vector<double> frame_ms;

  void say(const std::string& text, bool error = false);
  void record(const std::string& name, ImVec2 min, ImVec2 size) { layout[name] = {min.x, min.y, size.x, size.y}; }
  void record_window(const std::string& name);  // the current ImGui window's rectangle
  void read_primer_from_engine();
  void send_primer_to_engine();
  SessionPreset current_preset() const;
  void apply_preset(const SessionPreset& p);
  void start_model_load(const std::string& path);
  void start_kit_load(const std::string& name);
  void poll_loads();
};

// One function per panel (panel_<name>.cpp).
void draw_transport(PanelState& s);
void draw_generation(PanelState& s);
void draw_steps(PanelState& s);
void draw_io(PanelState& s);
void draw_meters(PanelState& s);
void draw_presets(PanelState& s);
void draw_style(PanelState& s);
void draw_training(PanelState& s);  // only with PanelContext::trainer

}  // namespace drumrnn::gui
