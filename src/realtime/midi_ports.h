// Finding and opening RtMidi ports by a part of their name, with errors a performer can act on.
// The client name is always "drumrnn". RtMidi::UNSPECIFIED tries ALSA (when /dev/snd/seq exists)
// and then JACK (when a JACK server's socket exists), because RtMidi itself throws on a machine
// without the ALSA sequencer and prints warnings when no JACK server runs.
#pragma once
#include <RtMidi.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace drumrnn::rt {

struct MidiPortError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr const char* kMidiClientName = "drumrnn";

// Port names of every usable API (UNSPECIFIED) or of one; empty when none is reachable.
std::vector<std::string> midi_output_names(RtMidi::Api api = RtMidi::UNSPECIFIED);
std::vector<std::string> midi_input_names(RtMidi::Api api = RtMidi::UNSPECIFIED);

// Opens the first port whose name contains `name_substring` (case-insensitive; "" takes the first
// port) and writes its full name to `opened_name`. Throws MidiPortError with one line:
// "no MIDI output matches 'X' (available: a, b, c)".
std::unique_ptr<RtMidiOut> open_midi_out(const std::string& name_substring, RtMidi::Api api,
                                         std::string& opened_name);
std::unique_ptr<RtMidiIn> open_midi_in(const std::string& name_substring, RtMidi::Api api,
                                       std::string& opened_name);

// "alsa", "jack" or "" (UNSPECIFIED) → the API; throws MidiPortError for anything else.
RtMidi::Api midi_api_from_name(const std::string& name);

// Whether this machine can reach the API now (ALSA sequencer device / JACK server socket).
bool midi_api_reachable(RtMidi::Api api);

}  // namespace drumrnn::rt
