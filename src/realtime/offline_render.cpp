#include "realtime/offline_render.h"

#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <sndfile.h>

#include "common/atomic_file.h"
#include "music/smf.h"

namespace drumrnn::rt {

RenderedAudio render_offline(Engine& engine, int64_t frames, int block) {
  RenderedAudio out;
  out.sample_rate = engine.config().sample_rate;
  out.left.assign(static_cast<size_t>(frames), 0.0f);
  out.right.assign(static_cast<size_t>(frames), 0.0f);
  engine.generation().pump();  // the standby ring for the downbeat
  engine.send({ControlTarget::play, 0, 0});
  for (int64_t done = 0; done < frames;) {
    const int n = static_cast<int>(std::min<int64_t>(block, frames - done));
    engine.generation().pump();
    engine.process(out.left.data() + done, out.right.data() + done, n);
    done += n;
  }
  return out;
}

void write_wav(const std::string& path, const RenderedAudio& audio) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  SF_INFO info{};
  info.samplerate = static_cast<int>(audio.sample_rate);
  info.channels = 2;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
  SNDFILE* f = sf_open(temp.c_str(), SFM_WRITE, &info);
  if (!f) throw std::runtime_error(path + ": cannot write (" + sf_strerror(nullptr) + ")");
  // Fixed header: no date or software strings, so the same render gives the same bytes.
  std::vector<float> interleaved(audio.left.size() * 2);
  for (size_t i = 0; i < audio.left.size(); ++i) {
    interleaved[2 * i] = audio.left[i];
    interleaved[2 * i + 1] = audio.right[i];
  }
  const sf_count_t written = sf_writef_float(f, interleaved.data(), static_cast<sf_count_t>(audio.left.size()));
  sf_write_sync(f);
  sf_close(f);
  if (written != static_cast<sf_count_t>(audio.left.size()) || std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw std::runtime_error(path + ": could not write the whole file");
  }
}

void write_midi_events(const std::string& path, const std::vector<MidiEvent>& events, double sample_rate,
                       double bpm, int64_t end_frame) {
  constexpr int kDivision = 480;
  drumrnn::MidiFile file;
  file.format = 0;
  file.division = kDivision;
  file.tracks.emplace_back();
  auto& track = file.tracks.back().events;
  const int tempo_us = static_cast<int>(std::lround(60e6 / bpm));
  std::string tempo{char((tempo_us >> 16) & 0xFF), char((tempo_us >> 8) & 0xFF), char(tempo_us & 0xFF)};
  track.push_back(drumrnn::MidiEvent::make_meta(0, drumrnn::kMetaSetTempo, tempo));
  track.push_back(drumrnn::MidiEvent::make_meta(0, drumrnn::kMetaTimeSignature, std::string{4, 2, 24, 8}));
  const double ticks_per_frame = kDivision * bpm / 60.0 / sample_rate;
  std::array<std::array<bool, 128>, 16> sounding{};
  for (const auto& e : events) {
    const uint8_t command = e.bytes[0] & 0xF0;
    if (e.size != 3 || (command != kMidiNoteOn && command != kMidiNoteOff)) continue;
    const auto tick = static_cast<uint64_t>(std::llround(double(e.frame) * ticks_per_frame));
    const int channel = e.bytes[0] & 0x0F;
    track.push_back(drumrnn::MidiEvent::make_channel(tick, command, channel, e.bytes[1], e.bytes[2]));
    sounding[channel][e.bytes[1] & 0x7F] = command == kMidiNoteOn && e.bytes[2] > 0;
  }
  const auto end_tick = static_cast<uint64_t>(std::llround(double(end_frame) * ticks_per_frame));
  for (int c = 0; c < 16; ++c)
    for (int p = 0; p < 128; ++p)
      if (sounding[c][p]) track.push_back(drumrnn::MidiEvent::make_channel(end_tick, kMidiNoteOff, c, p, 0));
  AtomicFile out(path);
  out.write(drumrnn::write_smf(file));
  out.commit();
}

}  // namespace drumrnn::rt
