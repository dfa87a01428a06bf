// MidiFile -> SMF bytes, laid out as mido 1.3's MidiFile.save() lays them out, so files we write
// match pretty_midi's byte for byte (facts §8a, §10.12).
#include <limits>

#include "music/midi_io.h"
#include "music/smf.h"

namespace drumrnn {
namespace {

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void put_be16(std::string& out, int v) {
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
  out.push_back(static_cast<char>(v & 0xFF));
}

void put_varlen(std::string& out, uint64_t v) {
  char groups[10];
  int n = 0;
  do {
    groups[n++] = static_cast<char>(v & 0x7F);
    v >>= 7;
  } while (v != 0);
  while (n > 1) out.push_back(static_cast<char>(groups[--n] | 0x80));
  out.push_back(groups[0]);
}

uint8_t checked_data(uint8_t b) {
  if (b > 127) throw MidiError("data byte must be in range 0..127");
  return b;
}

std::string encode_track(const MidiTrack& track) {
  std::string data;
  uint64_t previous_tick = 0;
  uint8_t running_status = 0;  // 0 = none
  auto put_delta = [&](uint64_t tick) {
    if (tick < previous_tick) throw MidiError("event ticks go backwards");
    put_varlen(data, tick - previous_tick);
    previous_tick = tick;
  };
  uint64_t end_tick = 0;  // mido's fix_end_of_track: only the last end_of_track survives
  for (const MidiEvent& e : track.events) {
    if (e.tick < previous_tick || e.tick < end_tick) throw MidiError("event ticks go backwards");
    if (e.kind == MidiEvent::Kind::meta && e.status == kMetaEndOfTrack) {
      end_tick = e.tick;
      continue;
    }
    put_delta(e.tick);
    switch (e.kind) {
      case MidiEvent::Kind::meta:
        data.push_back(static_cast<char>(0xFF));
        data.push_back(static_cast<char>(e.status));
        put_varlen(data, e.data.size());
        data += e.data;
        running_status = 0;
        break;
      case MidiEvent::Kind::sysex:
        if (e.status != 0xF0 && e.status != 0xF7) throw MidiError("sysex status must be F0 or F7");
        data.push_back(static_cast<char>(e.status));
        put_varlen(data, e.data.size());
        data += e.data;
        running_status = 0;
        break;
      case MidiEvent::Kind::channel: {
        if (e.status < 0x80 || e.status > 0xE0 || (e.status & 0x0F) || e.channel > 15) {
          throw MidiError("bad channel message status");
        }
        uint8_t status = e.status | e.channel;
        if (status != running_status) data.push_back(static_cast<char>(status));
        running_status = status;
        data.push_back(static_cast<char>(checked_data(e.data1)));
        if (e.status != kProgramChange && e.status != kChannelAftertouch) {
          data.push_back(static_cast<char>(checked_data(e.data2)));
        }
        break;
      }
    }
  }
  if (end_tick < previous_tick) end_tick = previous_tick;
  put_delta(end_tick);
  data += "\xFF\x2F";
  data.push_back('\0');
  return data;
}

}  // namespace

std::string write_smf(const MidiFile& file) {
  if (file.division <= 0 || file.division > std::numeric_limits<int16_t>::max()) {
    throw MidiError("division must be 1..32767 ticks per quarter note");
  }
  if (file.format < 0 || file.format > 2) throw MidiError("format must be 0, 1 or 2");
  if (file.tracks.size() > static_cast<size_t>(std::numeric_limits<int16_t>::max())) {
    throw MidiError("too many tracks");
  }
  if (file.format == 0 && file.tracks.size() != 1) {
    throw MidiError("a format 0 file must have exactly one track");
  }
  std::string out = "MThd";
  put_be32(out, 6);
  put_be16(out, file.format);
  put_be16(out, static_cast<int>(file.tracks.size()));
  put_be16(out, file.division);
  for (const MidiTrack& track : file.tracks) {
    std::string data = encode_track(track);
    if (data.size() > std::numeric_limits<uint32_t>::max()) throw MidiError("track too long");
    out += "MTrk";
    put_be32(out, static_cast<uint32_t>(data.size()));
    out += data;
  }
  return out;
}

}  // namespace drumrnn
