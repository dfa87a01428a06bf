// The performance panel of `drumrnn live`: Dear ImGui on GLFW and OpenGL 3.3 core. run_panel() owns the
// calling (main) thread until the window closes or the app's own loop ends; the engine keeps playing on
// its audio thread. The panel only sends Controls (engine.send: the panel is the UI queue's one
// producer while it runs) and reads snapshots, so it never makes the audio thread wait.
//
// Environment (for tests and benches):
//   DRUMRNN_GUI_LAYOUT=file.json  the panels' rectangles (window coordinates) once the layout settles
//   DRUMRNN_GUI_STATE=file.json   on exit: the engine snapshot, the primer and frame-time figures
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "gui/session_preset.h"
#include "ml/drum_rnn.h"
#include "realtime/controller_map.h"
#include "realtime/engine.h"
#include "realtime/kit.h"
#include "realtime/kit_map.h"
#include "realtime/midi_in.h"

namespace drumrnn {
class LiveTrainer;
}

namespace drumrnn::gui {

// What the app knows and the panel shows or changes. Everything but the engine is optional.
struct PanelContext {
  std::string model_path;          // the model playing ("" = the shipped one)
  std::string kit;                 // "" = the synthesized kit, else the Hydrogen kit name or folder
  std::string kit_map_name = "gm";
  rt::KitMap kit_map;              // the MIDI output's notes (fixed while playing)
  std::string controller_map_name;
  rt::ControllerMap controller_map;  // used when there is no MIDI input
  rt::MidiInput* midi_in = nullptr;  // MIDI learn and the live controller map; null: display only
  std::string audio_device;        // "JACK drumrnn (128 frames)"
  int buffer_frames = 0;
  std::string midi_in_name, midi_out_name;
  std::string clock_source = "internal";  // internal | midi | link (chosen at start)
  std::function<bool()> should_stop;      // true once the app's loop has ended (--duration, Ctrl-C)
  // Loaders, run off the GUI thread; they throw with one line naming the file. Defaults: load_model
  // (drum_kit models only) and the Hydrogen kit loader / synthesized kit.
  std::function<std::shared_ptr<const DrumRnn>(const std::string& path)> load_model;
  std::function<std::shared_ptr<const rt::Kit>(const std::string& name_or_path, int sample_rate)> load_kit;
  LiveTrainer* trainer = nullptr;  // train while playing (drumrnn live --train-on): the training panel
  // "Style this loop" (drumrnn live --style): starts the job (false while one runs) and reads its
  // latest status line. Empty: no style panel.
  std::function<bool()> style_this_loop;
  std::function<std::string()> style_status;
};

constexpr int kPanelNoDisplay = 2;  // run_panel's result when no window can open (no DISPLAY, ...)

// 0 when the window was closed (or should_stop turned true); kPanelNoDisplay, with `why` filled, when
// GLFW or an OpenGL 3.3 core context is unavailable: the caller carries on headless.
int run_panel(rt::Engine& engine, PanelContext& context, std::string& why);

// Default loaders (what PanelContext uses when its functions are empty).
std::shared_ptr<const DrumRnn> load_drum_kit_model(const std::string& path);
std::shared_ptr<const rt::Kit> load_kit(const std::string& name_or_path, int sample_rate);

// A preset's mixer and generation settings as Controls (bpm, swing, temperature, mode, master level,
// levels, mutes) through engine.send, and its controller map onto `midi_in` when there is one. The
// primer, model and kit are not sent: they are part of the session the engine was built from, or
// loaded off-thread by the panel.
void send_preset_controls(rt::Engine& engine, rt::MidiInput* midi_in, const SessionPreset& preset);

}  // namespace drumrnn::gui
