#include "gui/panel_state.h"

#include <cstring>

#include "ml/checkpoint.h"
#include "ml/magenta_io.h"
#include "music/drum_encoding.h"
#include "realtime/hydrogen_kit.h"
#include "realtime/synth_kit.h"

namespace drumrnn::gui {

std::shared_ptr<const DrumRnn> load_drum_kit_model(const std::string& path) {
  LoadedModel loaded = load_any_model("", path);  // drumrnn's file, a .mag bundle or a TF checkpoint prefix
  const std::string& resolved = loaded.path;
  if (loaded.model->shape().config->id != DrumConfigId::drum_kit)
    throw std::invalid_argument(resolved + ": the live engine plays drum_kit models (this one is " +
                                loaded.model->shape().config->name + ")");
  return std::shared_ptr<const DrumRnn>(std::move(loaded.model));
}

std::shared_ptr<const rt::Kit> load_kit(const std::string& name_or_path, int sample_rate) {
  if (name_or_path.empty()) return std::make_shared<rt::Kit>(rt::make_synth_kit(sample_rate));
  const auto info = rt::find_kit(name_or_path);
  if (!info) throw std::invalid_argument(name_or_path + ": no such kit folder and no installed kit of that name");
  return std::make_shared<rt::Kit>(rt::load_hydrogen_kit(info->path, sample_rate));
}

void send_preset_controls(rt::Engine& engine, rt::MidiInput* midi_in, const SessionPreset& p) {
  using T = rt::ControlTarget;
  engine.send({T::bpm, 0, float(p.bpm)});
  engine.send({T::swing, 0, float(p.swing)});
  engine.send({T::temperature, 0, p.temperature});
  engine.send({T::mode_bars, 0, float(p.mode_bars)});
  engine.send({T::mode, 0, float(int(p.mode))});
  engine.send({T::master_level, 0, p.master_level});
  for (int c = 0; c < rt::kDrumClasses; ++c) {
    engine.send({T::drum_level, int16_t(c), p.level[c]});
    engine.send({T::drum_mute, int16_t(c), p.mute[c] ? 1.0f : 0.0f});
  }
  if (midi_in && p.controller_map) midi_in->set_controller_map(std::make_shared<rt::ControllerMap>(*p.controller_map));
}

void PanelState::say(const std::string& text, bool error) {
  messages.push_back({text, error});
  while (messages.size() > kMaxMessages) messages.pop_front();
}

void PanelState::record_window(const std::string& name) { record(name, ImGui::GetWindowPos(), ImGui::GetWindowSize()); }

void PanelState::read_primer_from_engine() {
  const auto primer = engine.generation().primer();
  for (auto& row : this->primer) row.fill(false);
  primer_length = primer.size();
  for (size_t step = 0; step < primer.size() && step < size_t(kPrimerSteps); ++step)
    for (int pitch : primer[step].pitches())
      if (const int c = drum_kit_class_of_pitch(pitch); c >= 0) this->primer[c][step] = true;
}

void PanelState::send_primer_to_engine() {
  // The grid is one bar; trailing silent steps are dropped so the model continues right after the
  // last hit, as Magenta does with a --primer_drums of that length. An empty grid is one silent step.
  std::vector<PitchSet> steps(kPrimerSteps);
  size_t length = 0;
  for (int step = 0; step < kPrimerSteps; ++step)
    for (int c = 0; c < rt::kDrumClasses; ++c)
      if (primer[c][step]) steps[step].insert(kDrumKitClassPitch[c]), length = size_t(step) + 1;
  steps.resize(length ? length : 1);
  primer_length = steps.size();
  engine.generation().set_primer(std::move(steps));
}

SessionPreset PanelState::current_preset() const {
  SessionPreset p;
  p.name = preset_name;
  p.model = ctx.model_path;
  p.kit = ctx.kit;
  p.kit_map = ctx.kit_map_name;
  p.controller_map = ctx.midi_in && ctx.midi_in->controller_map() ? *ctx.midi_in->controller_map() : ctx.controller_map;
  if (p.controller_map->bindings.empty() && p.controller_map->name.empty()) p.controller_map.reset();
  p.bpm = snap.bpm;
  p.swing = snap.swing;
  p.temperature = snap.temperature;
  p.master_level = snap.master_level;
  p.mode = rt::GenerationMode(snap.mode);
  p.mode_bars = snap.mode_bars;
  p.primer = engine.generation().primer();
  for (int c = 0; c < rt::kDrumClasses; ++c) p.level[c] = snap.level[c], p.mute[c] = snap.muted[c] != 0;
  return p;
}

void PanelState::apply_preset(const SessionPreset& p) {
  send_preset_controls(engine, ctx.midi_in, p);
  if (p.controller_map && !ctx.midi_in) ctx.controller_map = *p.controller_map;
  engine.generation().set_primer(p.primer);
  read_primer_from_engine();
  mode_bars = p.mode_bars;
  if (p.model != ctx.model_path) start_model_load(p.model);
  if (p.kit != ctx.kit) start_kit_load(p.kit);
  if (p.kit_map != ctx.kit_map_name)
    say("kit map " + p.kit_map + " applies at the next start (the MIDI output's notes are fixed while it plays)");
  std::snprintf(preset_name, sizeof preset_name, "%s", p.name.c_str());
}

void PanelState::start_model_load(const std::string& path) {
  if (model_load.valid()) {
    say("a model is still loading (" + model_loading + ")", true);
    return;
  }
  auto loader = ctx.load_model ? ctx.load_model : load_drum_kit_model;
  model_loading = path;
  model_load = std::async(std::launch::async, loader, path);
  say("loading model " + (path.empty() ? std::string("(shipped Groove model)") : path) + " ...");
}

void PanelState::start_kit_load(const std::string& name) {
  if (kit_load.valid()) {
    say("a kit is still loading (" + kit_loading + ")", true);
    return;
  }
  auto loader = ctx.load_kit ? ctx.load_kit : load_kit;
  kit_loading = name;
  kit_load = std::async(std::launch::async, loader, name, int(engine.config().sample_rate));
  say("loading kit " + (name.empty() ? std::string("(synthesized)") : name) + " ...");
}

void PanelState::poll_loads() {
  using namespace std::chrono_literals;
  if (model_load.valid() && model_load.wait_for(0s) == std::future_status::ready) {
    try {
      engine.generation().swap_model(model_load.get());  // lands at the next bar line
      ctx.model_path = model_loading;
      std::snprintf(model_path, sizeof model_path, "%s", model_loading.c_str());
      say("model loaded; it takes over at the next bar line");
    } catch (const std::exception& e) {
      model_load = {};
      say(std::string("model not loaded: ") + e.what(), true);
    }
  }
  if (kit_load.valid() && kit_load.wait_for(0s) == std::future_status::ready) {
    try {
      auto kit = kit_load.get();
      for (const auto& w : kit->warnings) say("kit: " + w, true);
      engine.set_kit(std::move(kit));
      ctx.kit = kit_loading;
      std::snprintf(kit_name, sizeof kit_name, "%s", kit_loading.c_str());
      say("kit loaded: " + (kit_loading.empty() ? std::string("synthesized") : kit_loading));
    } catch (const std::exception& e) {
      kit_load = {};
      say(std::string("kit not loaded: ") + e.what(), true);
    }
  }
}

}  // namespace drumrnn::gui
