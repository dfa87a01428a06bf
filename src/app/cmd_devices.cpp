// drumrnn devices: what the instrument can play through: audio outputs, JACK, MIDI ports, kits, maps.
#include <cstdio>

#include "app/commands.h"
#include "realtime/hydrogen_kit.h"
#include "realtime/jack_backend.h"
#include "realtime/kit_map.h"
#include "realtime/midi_ports.h"
#include "realtime/portaudio_backend.h"

namespace drumrnn {
namespace {

void print_list(const char* title, const std::vector<std::string>& items, const char* none) {
  std::printf("%s\n", title);
  if (items.empty()) std::printf("  (%s)\n", none);
  for (const auto& i : items) std::printf("  %s\n", i.c_str());
}

int run_devices() {
  const bool jack = rt::jack_server_running();
  const char* server = std::getenv("JACK_DEFAULT_SERVER");
  std::printf("JACK server '%s': %s\n", server && *server ? server : "default",
              jack ? "running (drumrnn live uses it)" : "not running");
  std::vector<std::string> audio;
  for (const auto& d : rt::audio_output_devices())
    audio.push_back(d.host_api + ": " + d.name + " (" + std::to_string(d.output_channels) + " ch, " +
                    std::to_string(static_cast<int>(d.default_sample_rate)) + " Hz)");
  print_list("Audio outputs (PortAudio):", audio, "none: no sound card");
  print_list("MIDI outputs:", rt::midi_output_names(), "none");
  print_list("MIDI inputs:", rt::midi_input_names(), "none");
  std::vector<std::string> kits = {"(built-in) synthesized kit: the default"};
  for (const auto& k : rt::find_kits()) kits.push_back(k.name + "  " + k.path);
  print_list("Drum kits (--kit NAME):", kits, "none");
  print_list("Kit maps (--kit-map NAME):", rt::kit_map_names(), "none");
  return 0;
}

}  // namespace

Command add_devices_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("devices", "List audio devices, MIDI ports, kits and kit maps");
  return {cmd, [] { return run_devices(); }};
}

}  // namespace drumrnn
