// What `drumrnn live` and `drumrnn render` share: the model, kit, kit map, primer and generation
// settings from the command line, checked and loaded before any audio starts.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ml/drum_rnn.h"
#include "realtime/engine.h"
#include "realtime/generation.h"
#include "realtime/kit.h"
#include "realtime/kit_map.h"

namespace drumrnn {

struct SessionOptions {
  std::string model;        // empty: the shipped Groove model
  std::string kit;          // empty: the built-in synthesized kit; else a Hydrogen kit folder or name
  double bpm = 120, swing = 0;
  float temperature = 1.0f;
  std::string primer = "[(36,)]";
  std::string mode = "continuous";
  std::string kit_map = "gm";
  uint64_t seed = 0;
  bool seed_given = false;
  int lookahead = 1;
  std::string loop;         // a sound file for the loop slot
  float crossfade = 0;
};

void add_session_flags(CLI::App* cmd, SessionOptions& o);

struct Session {
  std::shared_ptr<const DrumRnn> model;
  std::string model_path;
  std::shared_ptr<const rt::Kit> kit;
  rt::KitMap kit_map;
  std::shared_ptr<const rt::LoopBuffer> loop;
  rt::GenerationOptions generation;
  rt::EngineConfig engine;
  std::vector<std::string> warnings;  // a sample that fell back to the synth voice, ...
};

// Throws std::runtime_error / std::invalid_argument with one line naming the bad file or flag.
Session prepare_session(const SessionOptions& o, double sample_rate);

// A MIDI output playing `map`'s notes into `sink`.
rt::MidiOutputConfig midi_output(const rt::KitMap& map, rt::MidiSink* sink, bool clock);

// "continuous", "loop:N", "regenerate:N", "call-response[:N]".
void parse_mode(const std::string& text, rt::GenerationMode& mode, int& bars);

}  // namespace drumrnn
