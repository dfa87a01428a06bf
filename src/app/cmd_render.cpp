// drumrnn render: the live engine, offline and faster than real time, into a WAV (and a MIDI file).
#include <cstdio>

#include "app/commands.h"
#include "app/live_session.h"
#include "realtime/offline_render.h"

namespace drumrnn {
namespace {

struct RenderOptions {
  SessionOptions session;
  int bars = 8;
  std::string out, midi;
  double sample_rate = 48000;
};

void apply_session(rt::Engine& engine, const Session& s, float crossfade) {
  if (s.loop) {
    engine.set_loop(s.loop);
    engine.send({rt::ControlTarget::loop_crossfade, 0, crossfade});
  }
}

int run_render(const RenderOptions& o) {
  Session s = prepare_session(o.session, o.sample_rate);
  for (const auto& w : s.warnings) std::fprintf(stderr, "drumrnn render: warning: %s\n", w.c_str());
  rt::GenerationService generation(s.model, s.generation);
  rt::Engine engine(s.engine, s.kit, generation);
  rt::RecordingMidiSink midi;
  engine.add_midi_output(midi_output(s.kit_map, &midi, false));
  apply_session(engine, s, o.session.crossfade);
  const double frames_per_bar = o.sample_rate * 60.0 / o.session.bpm * 4.0;
  const auto frames = static_cast<int64_t>(std::llround(frames_per_bar * o.bars));
  const rt::RenderedAudio audio = rt::render_offline(engine, frames);
  rt::write_wav(o.out, audio);
  if (!o.midi.empty()) rt::write_midi_events(o.midi, midi.events, o.sample_rate, o.session.bpm, frames);
  const auto snap = engine.snapshot();
  std::printf("rendered %d bars at %.1f BPM (%.2f s, %llu notes, seed %llu) to %s%s%s\n", o.bars, o.session.bpm,
              double(frames) / o.sample_rate, (unsigned long long)snap.notes_played,
              (unsigned long long)s.generation.seed, o.out.c_str(), o.midi.empty() ? "" : " and ", o.midi.c_str());
  return 0;
}

}  // namespace

Command add_render_command(CLI::App& app) {
  auto o = std::make_shared<RenderOptions>();
  CLI::App* cmd = app.add_subcommand("render", "Play the live engine offline, faster than real time, into a WAV");
  cmd->add_option("--bars", o->bars, "Length in 4/4 bars")->check(CLI::Range(1, 1024));
  cmd->add_option("--out", o->out, "Output WAV file (24-bit, stereo)")->required();
  cmd->add_option("--midi", o->midi, "Also write the notes as a MIDI file");
  cmd->add_option("--sample-rate", o->sample_rate, "Sample rate")->check(CLI::Range(8000.0, 192000.0));
  add_session_flags(cmd, o->session);
  return {cmd, [o] {
            if (!o->session.seed_given) o->session.seed_given = true;  // render is reproducible: seed 0 by default
            return run_render(*o);
          }};
}

}  // namespace drumrnn
