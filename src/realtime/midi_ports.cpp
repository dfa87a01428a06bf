#include "realtime/midi_ports.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

namespace drumrnn::rt {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The APIs to try for `api`: itself, or for UNSPECIFIED every compiled one this machine can reach.
std::vector<RtMidi::Api> apis_for(RtMidi::Api api) {
  if (api != RtMidi::UNSPECIFIED) return {api};
  std::vector<RtMidi::Api> compiled, out;
  RtMidi::getCompiledApi(compiled);
  for (RtMidi::Api a : compiled)
    if (midi_api_reachable(a)) out.push_back(a);
  return out;
}

// RtMidi reports later errors through this instead of printing them (and, for errors, throwing).
void ignore_error(RtMidiError::Type, const std::string&, void*) {}

template <class Port>
std::unique_ptr<Port> make_port(RtMidi::Api api) {
  auto port = std::make_unique<Port>(api, kMidiClientName);
  return port;
}

template <class Port>
void append_names(RtMidi::Api api, std::vector<std::string>& names) {
  try {
    auto port = make_port<Port>(api);
    port->setErrorCallback(ignore_error);
    const unsigned n = port->getPortCount();
    for (unsigned i = 0; i < n; ++i) names.push_back(port->getPortName(i));
  } catch (const RtMidiError&) {
    // An API that cannot start has no ports to list.
  }
}

template <class Port>
std::vector<std::string> names_of(RtMidi::Api api) {
  std::vector<std::string> names;
  for (RtMidi::Api a : apis_for(api)) append_names<Port>(a, names);
  return names;
}

template <class Port>
std::unique_ptr<Port> open_port(const std::string& wanted, RtMidi::Api api, std::string& opened_name,
                                const char* kind) {
  const std::string needle = lower(wanted);
  std::vector<std::string> seen;
  for (RtMidi::Api a : apis_for(api)) {
    try {
      auto port = make_port<Port>(a);
      const unsigned n = port->getPortCount();
      for (unsigned i = 0; i < n; ++i) {
        const std::string name = port->getPortName(i);
        seen.push_back(name);
        if (lower(name).find(needle) == std::string::npos) continue;
        port->openPort(i, "drumrnn " + std::string(kind));
        port->setErrorCallback(ignore_error);
        opened_name = name;
        return port;
      }
    } catch (const RtMidiError& e) {
      throw MidiPortError(std::string("cannot open MIDI ") + kind + " '" + wanted + "': " + e.getMessage());
    }
  }
  std::string available;
  for (const auto& s : seen) available += (available.empty() ? "" : ", ") + s;
  throw MidiPortError("no MIDI " + std::string(kind) + " matches '" + wanted +
                      "' (available: " + (available.empty() ? "none" : available) + ")");
}

}  // namespace

bool midi_api_reachable(RtMidi::Api api) {
  switch (api) {
    case RtMidi::LINUX_ALSA:
      return access("/dev/snd/seq", R_OK | W_OK) == 0;
    case RtMidi::UNIX_JACK: {
      // JACK 2 listens on /dev/shm/jack_<server>_<uid>_0 (jack1 uses a similar name under /dev/shm).
      const char* server = std::getenv("JACK_DEFAULT_SERVER");
      const std::string path = "/dev/shm/jack_" + std::string(server && *server ? server : "default") + "_" +
                               std::to_string(getuid()) + "_0";
      return access(path.c_str(), F_OK) == 0;
    }
    default:
      return false;
  }
}

RtMidi::Api midi_api_from_name(const std::string& name) {
  const std::string n = lower(name);
  if (n.empty() || n == "any" || n == "auto") return RtMidi::UNSPECIFIED;
  if (n == "alsa") return RtMidi::LINUX_ALSA;
  if (n == "jack") return RtMidi::UNIX_JACK;
  throw MidiPortError("unknown MIDI API '" + name + "' (use alsa or jack)");
}

std::vector<std::string> midi_output_names(RtMidi::Api api) { return names_of<RtMidiOut>(api); }
std::vector<std::string> midi_input_names(RtMidi::Api api) { return names_of<RtMidiIn>(api); }

std::unique_ptr<RtMidiOut> open_midi_out(const std::string& name_substring, RtMidi::Api api,
                                         std::string& opened_name) {
  return open_port<RtMidiOut>(name_substring, api, opened_name, "output");
}

std::unique_ptr<RtMidiIn> open_midi_in(const std::string& name_substring, RtMidi::Api api,
                                       std::string& opened_name) {
  return open_port<RtMidiIn>(name_substring, api, opened_name, "input");
}

}  // namespace drumrnn::rt
