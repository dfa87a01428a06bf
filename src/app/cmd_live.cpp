// drumrnn live: the instrument. Plays the drum RNN through JACK (when a server runs) or PortAudio,
// sends MIDI notes and clock, follows controllers and an external clock, and shows one status line.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "app/commands.h"
#include "app/live_style.h"
#include "app/live_session.h"
#include "gui/panel_app.h"
#include "gui/session_preset.h"
#include "ml/checkpoint.h"
#include "ml/hparams.h"
#include "worker/live_trainer.h"
#include "realtime/controller_map.h"
#include "realtime/fallback_clock.h"
#include "realtime/frame_clock.h"
#include "realtime/jack_backend.h"
#include "realtime/midi_in.h"
#include "realtime/midi_out.h"
#include "realtime/midi_ports.h"
#include "realtime/offline_render.h"
#include "realtime/portaudio_backend.h"
#if DRUMRNN_HAVE_LINK
#include "realtime/link_clock.h"
#endif

namespace drumrnn {
namespace {

struct LiveOptions {
  SessionOptions session;
  bool headless = false;
  std::string audio_device, midi_out, midi_in, controller_map;
  std::string clock = "internal";
  int buffer = 128;
  bool no_clock_out = false;
  double duration = 0;
  std::string offline_fallback = "drumrnn-data";
  std::string jack_name = "drumrnn";
  std::string preset;  // panel hook: a session preset (presets/sessions/NAME.json or a file)
  LiveStyleOptions style;  // "Style this loop"
  LiveTrainingOptions training;  // --train-on DIR: train while playing
};

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

// RtMidi output (ALSA, or JACK without the native port) behind the engine's sink interface.
class SenderSink : public rt::MidiSink {
 public:
  explicit SenderSink(rt::MidiOutSender& s) : sender_(s) {}
  void send(const rt::MidiEvent& e) override { sender_.push(e); }

 private:
  rt::MidiOutSender& sender_;
};

std::string status_line(const rt::Engine& engine) {
  const auto s = engine.snapshot();
  const auto load = engine.load();
  const int64_t step = std::max<int64_t>(0, s.next_step - 1);
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s bar %lld.%lld  %.1f BPM  temp %.2f  load %.1f%% (p99 %.1f%%)  xruns %llu  late %llu",
                s.playing ? ">" : "#", (long long)(step / 16 + 1), (long long)(step % 16 / 4 + 1), s.bpm, s.temperature,
                load.p50 * 100, load.p99 * 100, (unsigned long long)engine.xruns(), (unsigned long long)s.late_steps);
  return buf;
}

int render_instead(const LiveOptions& o, const std::string& why) {
  std::fprintf(stderr, "drumrnn live: %s; rendering 8 bars to %s/live.wav and live.mid instead\n", why.c_str(),
               o.offline_fallback.c_str());
  Session s = prepare_session(o.session, 48000);
  rt::GenerationService generation(s.model, s.generation);
  rt::Engine engine(s.engine, s.kit, generation);
  rt::RecordingMidiSink midi;
  engine.add_midi_output(midi_output(s.kit_map, &midi, false));
  const auto frames = static_cast<int64_t>(std::llround(48000 * 60.0 / o.session.bpm * 4.0 * 8));
  std::filesystem::create_directories(o.offline_fallback);
  rt::write_wav(o.offline_fallback + "/live.wav", rt::render_offline(engine, frames));
  rt::write_midi_events(o.offline_fallback + "/live.mid", midi.events, 48000, o.session.bpm, frames);
  std::printf("wrote %s/live.wav and %s/live.mid (%llu notes)\n", o.offline_fallback.c_str(), o.offline_fallback.c_str(),
              (unsigned long long)engine.snapshot().notes_played);
  return 0;
}

// --- panel hook (src/gui): a session preset replaces the session flags it names -------------------
std::optional<gui::SessionPreset> apply_preset(LiveOptions& o) {
  if (o.preset.empty()) return std::nullopt;
  gui::SessionPreset p = gui::load_session_preset(o.preset);  // throws one line naming the file
  o.session.model = p.model, o.session.kit = p.kit, o.session.kit_map = p.kit_map;
  o.session.bpm = p.bpm, o.session.swing = p.swing, o.session.temperature = p.temperature;
  o.session.mode = gui::mode_text(p.mode, p.mode_bars), o.session.primer = gui::primer_text(p.primer);
  return p;
}

int run_live(LiveOptions o) {
  const auto preset = apply_preset(o);
  if (o.clock == "link") {
#if !DRUMRNN_HAVE_LINK
    throw std::invalid_argument("--clock link: this build has no Ableton Link (install ableton-link-dev and rebuild)");
#endif
  } else if (o.clock != "internal" && o.clock != "midi") {
    throw std::invalid_argument("--clock " + o.clock + ": expected internal, midi or link");
  }
  if (o.clock == "midi" && o.midi_in.empty()) throw std::invalid_argument("--clock midi needs --midi-in NAME");

  // Every file and flag is checked before any device is touched.
  Session s = prepare_session(o.session, 48000);
  std::string style_engine;
  rt::StyleRenderer style_renderer;
  if (!o.style.files.empty()) style_renderer = make_live_style_renderer(o.style, style_engine);
  // Then audio: it decides the sample rate the kit is built for.
  std::unique_ptr<rt::JackBackend> jack;
  std::unique_ptr<rt::PortAudioBackend> portaudio;
  const bool use_jack = o.audio_device.empty() && rt::jack_server_running();
  try {
    if (use_jack) jack = std::make_unique<rt::JackBackend>(o.jack_name);
    else portaudio = std::make_unique<rt::PortAudioBackend>(o.audio_device, 48000, o.buffer);
  } catch (const rt::AudioDeviceError& e) {
    if (!o.audio_device.empty() || o.offline_fallback.empty()) throw;
    return render_instead(o, std::string("no audio device could be opened (") + e.what() + ")");
  }
  const double rate = jack ? jack->sample_rate() : portaudio->sample_rate();
  if (rate != 48000) s = prepare_session(o.session, rate);
  for (const auto& w : s.warnings) std::fprintf(stderr, "drumrnn live: warning: %s\n", w.c_str());

  rt::GenerationService generation(s.model, s.generation);
  rt::Engine engine(s.engine, s.kit, generation);
  rt::FrameClock frame_clock;
  std::unique_ptr<rt::MidiOutSender> sender;
  std::unique_ptr<SenderSink> sender_sink;
  rt::JackMidiSink jack_midi;  // outlives the JACK backends, which come and go with the server
  if (jack) {
    engine.add_midi_output(midi_output(s.kit_map, &jack_midi, !o.no_clock_out));  // frame-accurate
  } else if (!o.midi_out.empty()) {
    std::string opened;
    auto port = rt::open_midi_out(o.midi_out, RtMidi::UNSPECIFIED, opened);
    sender = std::make_unique<rt::MidiOutSender>(std::move(port), frame_clock, opened);
    sender_sink = std::make_unique<SenderSink>(*sender);
    engine.add_midi_output(midi_output(s.kit_map, sender_sink.get(), !o.no_clock_out));
    sender->start();
  }
  std::unique_ptr<rt::MidiInput> midi_in;
  if (!o.midi_in.empty()) {
    std::string opened;
    midi_in = std::make_unique<rt::MidiInput>(rt::open_midi_in(o.midi_in, jack ? RtMidi::UNIX_JACK : RtMidi::UNSPECIFIED, opened), opened);
    if (!o.controller_map.empty())
      midi_in->set_controller_map(std::make_shared<rt::ControllerMap>(rt::load_controller_map(o.controller_map)));
    midi_in->start();
  } else if (!o.controller_map.empty()) {
    rt::load_controller_map(o.controller_map);  // still checked, so a typo is caught now
  }
  if (preset) gui::send_preset_controls(engine, midi_in.get(), *preset);  // panel hook: levels, mutes, map
  if (s.loop) {
    engine.set_loop(s.loop);
    engine.send({rt::ControlTarget::loop_crossfade, 0, o.session.crossfade});
  }
  generation.start_threads();
  // Train while playing: the worker trains beside the engine and swaps improved models in at bar lines.
  std::unique_ptr<LiveTrainer> trainer;
  if (!o.training.midi_dir.empty()) {
    o.training.init_model = s.model_path;
    trainer = std::make_unique<LiveTrainer>(o.training, generation);
    trainer->start();
  }
#if DRUMRNN_HAVE_LINK
  std::unique_ptr<rt::LinkClock> link;
  if (o.clock == "link") {
    link = std::make_unique<rt::LinkClock>(o.session.bpm);
    link->enable(true);
  }
#endif
  if (o.clock == "internal") engine.send({rt::ControlTarget::play, 0, 0});
  bool link_started = false;

  std::string device_name;
  if (jack) {
    jack->set_frame_clock(&frame_clock);
    jack->start(engine, true, o.midi_out, &jack_midi);
    device_name = "JACK " + jack->name() + " (" + std::to_string(jack->buffer_size()) + " frames)";
  } else {
    portaudio->set_frame_clock(&frame_clock);
    portaudio->start(engine);
    device_name = portaudio->name() + " (" + std::to_string(portaudio->buffer_size()) + " frames)";
  }
  std::printf("drumrnn live: %s at %.0f Hz, model %s, kit %s%s\n", device_name.c_str(), rate, s.model_path.c_str(),
              s.kit->name.c_str(), o.duration > 0 ? "" : "; Ctrl-C stops");
  std::fflush(stdout);

  // "Style this loop": once at launch, as soon as the bars it styles have played.
  std::unique_ptr<LiveStyleJob> style_job;
  bool style_started = false;
  std::atomic<bool> auto_style{o.headless};  // headless: once at launch; with the panel: its button
  std::string style_reported;
  if (style_renderer) {
    style_job = std::make_unique<LiveStyleJob>(engine, rt::StyleLoopRequest{o.style.bars, s.model, s.kit, 1.0f},
                                               style_renderer, o.style.device);
    std::printf("drumrnn live: %s, %d bars (%s)\n", style_engine.c_str(), o.style.bars,
                o.headless ? "starts once they have played" : "the panel's Style this loop button");
  }

  g_stop = false;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool tty = ::isatty(STDOUT_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  auto last_status = t0;
  std::unique_ptr<rt::FallbackClock> fallback;
  auto last_reconnect = t0;
  bool was_running = false;
  double followed_bpm = 0;
  // MIDI in, clock following, the JACK watchdog and the status line: the main thread when headless,
  // a thread beside the panel otherwise.
  auto service_loop = [&] {
    while (!g_stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      const auto now = std::chrono::steady_clock::now();
      if (o.duration > 0 && std::chrono::duration<double>(now - t0).count() >= o.duration) break;
      if (midi_in) {
        rt::Control c;
        while (midi_in->pop_control(c)) engine.send_from_midi(c);
        rt::NoteIn n;
        while (midi_in->pop_note(n)) engine.pad(n.pitch, n.velocity / 127.0f);
        if (o.clock == "midi") {
          const auto& follower = midi_in->clock();
          const bool running = follower.running();
          if (running != was_running) {
            engine.send_from_midi({running ? rt::ControlTarget::continue_play : rt::ControlTarget::stop, 0, 0});
            was_running = running;
          }
          const double bpm = follower.bpm();
          if (bpm > 0 && std::abs(bpm - followed_bpm) > 0.05) {
            engine.send_from_midi({rt::ControlTarget::bpm, 0, static_cast<float>(bpm)});
            followed_bpm = bpm;
          }
        }
      }
#if DRUMRNN_HAVE_LINK
      if (link) {
        // Follow the Link session's tempo, and start on its next bar (quantum 4).
        const double bpm = link->bpm();
        if (std::abs(bpm - followed_bpm) > 0.01) {
          engine.send_from_midi({rt::ControlTarget::bpm, 0, static_cast<float>(bpm)});
          followed_bpm = bpm;
        }
        if (!link_started) {
          const double beat = link->beat_at(link->now_us(), 4.0);
          if (std::fmod(beat, 4.0) < 0.02 || std::fmod(beat, 4.0) > 3.99) {
            engine.send_from_midi({rt::ControlTarget::play, 0, 0});
            link_started = true;
          }
        }
      }
#endif
      (void)link_started;
      if (jack && !jack->alive() && !fallback) {
        std::fprintf(stderr, "\ndrumrnn live: the JACK server stopped; playing on the fallback clock and reconnecting\n");
        // Close the dead client first: that joins its process thread, so the fallback thread never runs
        // Engine::process beside a callback JACK had not yet returned from.
        const int period = jack->buffer_size();
        jack.reset();
        fallback = std::make_unique<rt::FallbackClock>(engine, period);
      }
      if (fallback && now - last_reconnect > std::chrono::seconds(1)) {
        last_reconnect = now;
        if (rt::jack_server_running()) {
          try {
            auto again = std::make_unique<rt::JackBackend>(o.jack_name);
            fallback.reset();
            again->set_frame_clock(&frame_clock);
            again->start(engine, true, o.midi_out, &jack_midi);
            jack = std::move(again);
            std::fprintf(stderr, "drumrnn live: reconnected to JACK as %s\n", jack->name().c_str());
          } catch (const std::exception&) {
          }
        }
      }
      if (style_job && auto_style && !style_started && engine.snapshot().next_step > int64_t(o.style.bars) * rt::kStepsPerBar) {
        style_started = style_job->start();
      }
      if (style_job && !style_job->running()) {
        const std::string line = style_job->status();
        if (!line.empty() && line != style_reported) {
          std::printf("%s%s\n", tty ? "\n" : "", line.c_str());
          style_reported = line;
        }
      }
      if (trainer) {
        trainer->poll();
        for (const auto& line : trainer->take_lines()) std::printf("%sdrumrnn live: %s\n", tty ? "\r\033[K" : "", line.c_str());
      }
      if (now - last_status > std::chrono::milliseconds(tty ? 100 : 2000)) {
        last_status = now;
        engine.collect_garbage();
        std::printf(tty ? "\r%s   " : "%s\n", status_line(engine).c_str());
        std::fflush(stdout);
      }
    }
  };
  // --- panel hook (src/gui): the panel owns this (main) thread, the loop above runs beside it -------
  if (o.headless) {
    service_loop();
  } else {
    std::atomic<bool> service_done{false};
    gui::PanelContext panel{s.model_path, o.session.kit, o.session.kit_map, s.kit_map, o.controller_map,
                            o.controller_map.empty() ? rt::ControllerMap{} : rt::load_controller_map(o.controller_map),
                            midi_in.get(), device_name, jack ? jack->buffer_size() : portaudio->buffer_size(), o.midi_in,
                            o.midi_out, o.clock, [&] { return service_done.load(); }, {}, {}, trainer.get()};
    if (style_job) {
      panel.style_this_loop = [&] { return style_job->start(); };
      panel.style_status = [&] { return style_job->status(); };
    }
    std::thread service([&] { service_loop(), service_done = true; });
    std::string why;
    if (gui::run_panel(engine, panel, why) == gui::kPanelNoDisplay) {
      auto_style = true;
      std::fprintf(stderr, "drumrnn live: %s; playing headless (say --headless to skip the panel)\n", why.c_str());
    } else {
      g_stop = true;  // the window closed
    }
    service.join();
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (trainer) {
    trainer->stop();  // cancels the job, which saves its checkpoint; the engine plays on meanwhile
    for (const auto& line : trainer->take_lines()) std::printf("%sdrumrnn live: %s\n", tty ? "\n" : "", line.c_str());
    const std::string newest = latest_checkpoint(o.training.run_dir + "/train");
    if (!newest.empty()) {
      const std::string hp = hparams_to_string(load_model(newest).hparams);
      std::printf("drumrnn live: resume with drumrnn train --run_dir %s --hparams \"%s\" --sequence_example_file "
                  "%s/dataset/training_drum_tracks.tfrecord; evaluate with drumrnn evaluate --run_dir %s "
                  "--sequence_example_file %s/dataset/eval_drum_tracks.tfrecord\n",
                  o.training.run_dir.c_str(), hp.c_str(), o.training.run_dir.c_str(), o.training.run_dir.c_str(),
                  o.training.run_dir.c_str());
    }
    trainer.reset();
  }
  engine.send({rt::ControlTarget::stop, 0, 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the Stop and note-offs go out
  if (jack) jack->stop();
  if (portaudio) portaudio->stop();
  fallback.reset();
  if (sender) sender->stop();
  if (midi_in) midi_in->stop();
  const auto snap = engine.snapshot();
  const auto load = engine.load();
  std::printf("%sstopped: %llu steps, %llu notes, %llu clock ticks; callback load p50 %.1f%% p99 %.1f%% max %.1f%%; xruns %llu; late steps %llu\n",
              tty ? "\n" : "", (unsigned long long)snap.steps_played, (unsigned long long)snap.notes_played,
              (unsigned long long)snap.clock_ticks_sent, load.p50 * 100, load.p99 * 100, load.max * 100,
              (unsigned long long)engine.xruns(), (unsigned long long)snap.late_steps);
  return 0;
}

}  // namespace

Command add_live_command(CLI::App& app) {
  auto o = std::make_shared<LiveOptions>();
  CLI::App* cmd = app.add_subcommand("live", "Play the drum RNN live: audio, MIDI notes and clock, controllers");
  add_session_flags(cmd, o->session);
  cmd->add_flag("--headless", o->headless, "No panel: a status line in the terminal");
  cmd->add_option("--audio-device", o->audio_device, "PortAudio output whose name contains NAME (default: JACK if a server runs, else the default device)");
  cmd->add_option("--buffer", o->buffer, "Frames per period (PortAudio)")->check(CLI::Range(16, 4096));
  cmd->add_option("--midi-out", o->midi_out, "MIDI output whose name contains NAME (on JACK: connect drumrnn:midi_out to it)");
  cmd->add_flag("--no-clock-out", o->no_clock_out, "Send notes only, no MIDI clock");
  cmd->add_option("--midi-in", o->midi_in, "MIDI input whose name contains NAME (controllers, pads, clock)");
  cmd->add_option("--clock", o->clock, "internal | midi (follow --midi-in's clock) | link");
  cmd->add_option("--controller-map", o->controller_map, "Controller map JSON (presets/controllers/)");
  cmd->add_option("--duration", o->duration, "Stop after this many seconds (0: until Ctrl-C)")->check(CLI::Range(0.0, 1e9));
  cmd->add_option("--offline-fallback", o->offline_fallback, "Where no audio device opens, render 8 bars into this folder (empty: fail)");
  cmd->add_option("--jack-name", o->jack_name, "JACK client name");
  cmd->add_option("--preset", o->preset, "Session preset: presets/sessions/NAME.json or a file (the panel saves them)");
  cmd->add_option("--style", o->style.files, "Style this loop: restyle the first --style-bars bars with these style files and crossfade the result in (repeatable)")->check(CLI::ExistingFile);
  cmd->add_option("--style-bars", o->style.bars, "Bars the style job captures (1-16)")->check(CLI::Range(1, 16));
  cmd->add_option("--style-device", o->style.device, "auto | cpu | cuda: where the style job runs");
  cmd->add_option("--train-on", o->training.midi_dir, "Train while playing on this folder of MIDI files (swaps improved models in at bar lines)");
  cmd->add_option("--train-hparams", o->training.hparams, "Hparams for --train-on (default: the playing model's)");
  cmd->add_option("--train-run-dir", o->training.run_dir, "Run folder for --train-on's checkpoints (drumrnn train --run_dir resumes it)");
  cmd->add_option("--swap-every", o->training.swap_every, "Steps between checkpoints, evaluations and swaps")->check(CLI::Range(1, 1000000));
  return {cmd, [o] { return run_live(*o); }};
}

}  // namespace drumrnn
