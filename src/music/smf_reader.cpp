// SMF bytes -> MidiFile, mirroring mido 1.3's MidiFile._load/read_track, because Magenta reads MIDI
// through mido and a file it rejects must not turn into training data here (and vice versa).
// Deliberate departures from mido: chunks other than MTrk are skipped instead of rejected, SMPTE
// and zero divisions are rejected here (pretty_midi would fail or produce negative times later),
// and an event overrunning its chunk is rejected at once (mido reads on into the next bytes and
// always hits end-of-file, so the outcome is the same).
#include <algorithm>

#include "music/midi_io.h"
#include "music/smf.h"

namespace drumrnn {
namespace {

// mido refuses meta / sysex payloads longer than this (MAX_MESSAGE_LENGTH).
constexpr uint64_t kMaxMessageLength = 1000000;
// Delta times and lengths are unbounded in mido (Python ints). Any value this large is rejected
// later (tick >= 1e10, length > 1e6), so saturating keeps the outcome and avoids overflow.
constexpr uint64_t kSaturated = uint64_t{1} << 62;

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }

  uint8_t byte(const char* what) {
    if (pos_ >= bytes_.size()) throw MidiError(std::string("file ends inside ") + what);
    return static_cast<uint8_t>(bytes_[pos_++]);
  }

  uint32_t be32(const char* what) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte(what);
    return v;
  }

  int16_t be16_signed(const char* what) {
    uint16_t hi = byte(what), lo = byte(what);
    return static_cast<int16_t>(static_cast<uint16_t>((hi << 8) | lo));
  }

  // A MIDI variable-length number of any length (mido accepts more than 4 bytes).
  uint64_t varlen(const char* what) {
    uint64_t v = 0;
    for (;;) {
      uint8_t b = byte(what);
      v = v >= (kSaturated >> 7) ? kSaturated : (v << 7) | (b & 0x7F);
      if (b < 0x80) return v;
    }
  }

  std::string_view take(uint64_t n, const char* what) {
    if (n > remaining()) throw MidiError(std::string("file ends inside ") + what);
    std::string_view out = bytes_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return out;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

// Data byte count of a status byte >= 0xF1 other than 0xFF (meta), or -1 where mido has none.
int system_data_bytes(uint8_t status) {
  switch (status) {
    case 0xF1: case 0xF3: return 1;                       // quarter frame, song select
    case 0xF2: return 2;                                  // song position
    case 0xF6: case 0xF8: case 0xFA: case 0xFB: case 0xFC: case 0xFE: return 0;
    default: return -1;                                   // 0xF4, 0xF5, 0xF9, 0xFD: undefined
  }
}

// The meta types mido 1.3 has a spec for (meta.py's MetaSpec_* classes).
bool mido_knows_meta_type(uint8_t type) {
  switch (type) {
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
    case 0x09: case 0x20: case 0x21: case 0x2F: case 0x51: case 0x54: case 0x58: case 0x59:
    case 0x7F:
      return true;
    default:
      return false;
  }
}

uint8_t data_byte(uint8_t b) {
  if (b > 127) throw MidiError("data byte must be in range 0..127");
  return b;
}

// Reads events until exactly `size` bytes of the chunk are consumed (mido's loop condition).
MidiTrack read_track(ByteReader& in, uint32_t size) {
  MidiTrack track;
  const size_t end = in.pos() + size;
  uint64_t tick = 0;
  uint8_t last_status = 0;  // 0 = none yet
  while (in.pos() != end) {
    const uint64_t delta = in.varlen("a delta time");
    uint8_t status = in.byte("an event");
    bool have_peek = false;
    uint8_t peek = 0;
    if (status < 0x80) {
      if (last_status == 0) throw MidiError("running status without a previous status byte");
      have_peek = true;
      peek = status;
      status = last_status;
    } else if (status != 0xFF) {
      last_status = status;  // meta events do not set running status; sysex and system ones do
    }

    if (status == 0xFF) {
      uint8_t type = in.byte("a meta event");
      // mido builds meta types it does not know without their delta time, so every later event
      // of the track moves earlier by it; Magenta's timings carry that bug, so ours do too.
      if (mido_knows_meta_type(type)) tick = std::min(tick + delta, kSaturated);
      uint64_t length = in.varlen("a meta event");
      if (length > kMaxMessageLength) throw MidiError("meta event longer than 1000000 bytes");
      track.events.push_back(
          MidiEvent::make_meta(tick, type, std::string(in.take(length, "a meta event"))));
      if (in.pos() > end) throw MidiError("event runs past the end of its track chunk");
      continue;
    }

    tick = std::min(tick + delta, kSaturated);
    if (status == 0xF0 || status == 0xF7) {
      // Under running status mido drops the data byte it peeked and reads a sysex length.
      uint64_t length = in.varlen("a sysex event");
      if (length > kMaxMessageLength) throw MidiError("sysex event longer than 1000000 bytes");
      track.events.push_back(
          MidiEvent::make_sysex(tick, status, std::string(in.take(length, "a sysex event"))));
    } else if (status < 0xF0) {
      uint8_t command = status & 0xF0;
      int count = (command == kProgramChange || command == kChannelAftertouch) ? 1 : 2;
      uint8_t d1 = data_byte(have_peek ? peek : in.byte("a channel message"));
      uint8_t d2 = count == 2 ? data_byte(in.byte("a channel message")) : 0;
      track.events.push_back(MidiEvent::make_channel(tick, command, status & 0x0F, d1, d2));
    } else {
      int count = system_data_bytes(status);
      if (count < 0) throw MidiError("undefined status byte");
      if (have_peek && count == 0) throw MidiError("wrong number of data bytes");
      for (int i = have_peek ? 1 : 0; i < count; ++i) data_byte(in.byte("a system message"));
      if (have_peek) data_byte(peek);
      // Nothing above the SMF layer uses system common / real-time messages: dropped.
    }
    if (in.pos() > end) throw MidiError("event runs past the end of its track chunk");
  }
  return track;
}

}  // namespace

MidiEvent MidiEvent::make_channel(uint64_t tick, uint8_t command, uint8_t channel, uint8_t data1,
                                  uint8_t data2) {
  MidiEvent e;
  e.tick = tick;
  e.kind = Kind::channel;
  e.status = command & 0xF0;
  e.channel = channel & 0x0F;
  e.data1 = data1;
  e.data2 = data2;
  return e;
}

MidiEvent MidiEvent::make_meta(uint64_t tick, uint8_t type, std::string data) {
  MidiEvent e;
  e.tick = tick;
  e.kind = Kind::meta;
  e.status = type;
  e.data = std::move(data);
  return e;
}

MidiEvent MidiEvent::make_sysex(uint64_t tick, uint8_t status, std::string data) {
  MidiEvent e;
  e.tick = tick;
  e.kind = Kind::sysex;
  e.status = status;
  e.data = std::move(data);
  return e;
}

MidiFile parse_smf(std::string_view bytes) {
  ByteReader in(bytes);
  if (bytes.size() < 8 || bytes.substr(0, 4) != "MThd") {
    throw MidiError("not a MIDI file (no MThd header)");
  }
  in.take(4, "the MThd header");
  uint32_t header_size = in.be32("the MThd header");
  // mido reads the whole declared header and uses its first 6 bytes.
  std::string_view header = in.take(std::min<uint64_t>(header_size, in.remaining()), "MThd");
  if (header.size() < 6) throw MidiError("MThd header shorter than 6 bytes");
  ByteReader h(header);
  MidiFile file;
  file.format = h.be16_signed("the MThd header");
  int track_count = h.be16_signed("the MThd header");  // signed in mido: negative = no tracks
  file.division = h.be16_signed("the MThd header");
  if (file.division < 0) throw MidiError("SMPTE time division is not supported");
  if (file.division == 0) throw MidiError("time division is 0 ticks per quarter note");

  while (static_cast<int>(file.tracks.size()) < track_count) {
    if (in.remaining() < 8) {
      throw MidiError("file ends after " + std::to_string(file.tracks.size()) + " of " +
                      std::to_string(track_count) + " tracks");
    }
    std::string_view name = in.take(4, "a chunk header");
    uint32_t size = in.be32("a chunk header");
    if (size > in.remaining()) {
      throw MidiError(name == "MTrk" ? "track chunk runs past the end of the file"
                                     : "chunk runs past the end of the file");
    }
    if (name != "MTrk") {
      in.take(size, "a chunk");  // unknown chunk types are skipped (the SMF spec says so)
      continue;
    }
    file.tracks.push_back(read_track(in, size));
  }
  return file;
}

}  // namespace drumrnn
