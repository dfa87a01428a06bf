#include "app/live_session.h"

#include <random>
#include <stdexcept>

#include "ml/checkpoint.h"
#include "ml/default_model.h"
#include "ml/magenta_io.h"
#include "music/primer.h"
#include "realtime/hydrogen_kit.h"
#include "realtime/loop_slot.h"
#include "realtime/synth_kit.h"

namespace drumrnn {

void add_session_flags(CLI::App* cmd, SessionOptions& o) {
  cmd->add_option("--model", o.model, "Model file (.safetensors), a Magenta .mag bundle or TF checkpoint prefix; default: the shipped Groove model");
  cmd->add_option("--kit", o.kit, "Hydrogen kit folder, drumkit.xml or kit name; default: the built-in synthesized kit");
  cmd->add_option("--bpm", o.bpm, "Tempo")->check(CLI::Range(20.0, 300.0));
  cmd->add_option("--swing", o.swing, "Share of a 16th by which every second 16th is late")->check(CLI::Range(0.0, 0.75));
  cmd->add_option("--temperature", o.temperature, "Sampling temperature")->check(CLI::Range(0.05, 4.0));
  cmd->add_option("--primer", o.primer, "Primer in Magenta's --primer_drums syntax");
  cmd->add_option("--mode", o.mode, "continuous | loop:N | regenerate:N | call-response[:N]");
  cmd->add_option("--kit-map", o.kit_map, "MIDI note map for the MIDI output (presets/kits/NAME.json or a file)");
  cmd->add_option_function<uint64_t>("--seed", [&o](uint64_t s) { o.seed = s, o.seed_given = true; }, "Random seed");
  cmd->add_option("--lookahead", o.lookahead, "Steps generated ahead of the playhead")->check(CLI::Range(1, 64));
  cmd->add_option("--loop", o.loop, "Sound file for the tempo-locked loop slot");
  cmd->add_option("--crossfade", o.crossfade, "Loop slot amount, 0 (kit) to 1 (loop)")->check(CLI::Range(0.0, 1.0));
}

void parse_mode(const std::string& text, rt::GenerationMode& mode, int& bars) {
  const auto colon = text.find(':');
  const std::string name = text.substr(0, colon);
  bars = 2;
  if (colon != std::string::npos) {
    try {
      size_t used = 0;
      bars = std::stoi(text.substr(colon + 1), &used);
      if (used != text.size() - colon - 1 || bars < 1 || bars > 64) throw std::invalid_argument("");
    } catch (const std::exception&) {
      throw std::invalid_argument("--mode " + text + ": N must be a whole number of bars from 1 to 64");
    }
  }
  if (name == "continuous" && colon == std::string::npos) mode = rt::GenerationMode::continuous;
  else if (name == "loop") mode = rt::GenerationMode::loop;
  else if (name == "regenerate") mode = rt::GenerationMode::regenerate;
  else if (name == "call-response") mode = rt::GenerationMode::call_response;
  else throw std::invalid_argument("--mode " + text + ": expected continuous, loop:N, regenerate:N or call-response[:N]");
  if ((mode == rt::GenerationMode::loop || mode == rt::GenerationMode::regenerate) && colon == std::string::npos)
    throw std::invalid_argument("--mode " + text + ": say how many bars, e.g. " + name + ":4");
}

rt::MidiOutputConfig midi_output(const rt::KitMap& map, rt::MidiSink* sink, bool clock) {
  rt::MidiOutputConfig out;
  out.sink = sink;
  for (int c = 0; c < rt::kDrumClasses; ++c) out.notes[c] = static_cast<uint8_t>(map.note[c]);
  out.channel = static_cast<uint8_t>(map.channel);
  out.clock = clock;
  return out;
}

Session prepare_session(const SessionOptions& o, double sample_rate) {
  Session s;
  LoadedModel loaded = load_any_model("", o.model);  // drumrnn's file, a .mag bundle or a TF checkpoint
  s.model_path = loaded.path;
  if (loaded.model->shape().config->id != DrumConfigId::drum_kit)
    throw std::invalid_argument(s.model_path + ": the live engine plays drum_kit models (this one is " +
                                loaded.model->shape().config->name + ")");
  s.model = std::shared_ptr<const DrumRnn>(std::move(loaded.model));

  const int rate = static_cast<int>(sample_rate);
  if (o.kit.empty()) {
    s.kit = std::make_shared<rt::Kit>(rt::make_synth_kit(rate));
  } else {
    const auto info = rt::find_kit(o.kit);
    if (!info) throw std::invalid_argument("--kit " + o.kit + ": no such folder and no installed kit of that name (see drumrnn devices)");
    auto kit = std::make_shared<rt::Kit>(rt::load_hydrogen_kit(info->path, rate));
    s.warnings = kit->warnings;
    s.kit = std::move(kit);
  }
  s.kit_map = rt::load_kit_map(o.kit_map);

  rt::GenerationOptions& g = s.generation;
  parse_mode(o.mode, g.mode, g.mode_bars);
  g.lookahead = o.lookahead;
  g.seed = o.seed_given ? o.seed : std::random_device{}();
  g.temperature = o.temperature;
  g.primer = parse_primer_drums(o.primer, *s.model->shape().config);
  if (g.primer.empty()) g.primer = {PitchSet{}};

  s.engine.sample_rate = sample_rate;
  s.engine.bpm = o.bpm;
  s.engine.swing = o.swing;
  if (!o.loop.empty()) s.loop = rt::load_loop(o.loop, rate, o.bpm);
  return s;
}

}  // namespace drumrnn
