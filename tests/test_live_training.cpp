// Train while playing: the LiveTrainingJob on the background Worker, alone (bad input, cancel) and
// beside the live engine on a JACK dummy server for 30 s (zero xruns, a swap heard, a valid checkpoint).
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "jack_fixture.h"
#include "scheduling_probe.h"
#include "ml/checkpoint.h"
#include "ml/default_model.h"
#include "music/midi_io.h"
#include "realtime/engine.h"
#include "realtime/jack_backend.h"
#include "realtime/synth_kit.h"
#include "test_support.h"
#include "worker/live_training.h"

using namespace drumrnn;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// `files` MIDI files of 16 bars of drums at 120 BPM, each a different kick/snare/hat pattern, so the
// dataset has a held-back part and something to learn.
void write_drum_folder(const std::string& dir, int files) {
  fs::create_directories(dir);
  const double step = 60.0 / 120 / 4;
  for (int f = 0; f < files; ++f) {
    magenta::NoteSequence ns;
    ns.set_ticks_per_quarter(480);
    ns.add_tempos()->set_qpm(120);
    auto* ts = ns.add_time_signatures();
    ts->set_numerator(4);
    ts->set_denominator(4);
    for (int s = 0; s < 16 * 16; ++s) {
      std::vector<int> pitches;
      if (s % (f % 2 ? 8 : 4) == 0) pitches.push_back(36);
      if (s % 8 == 4 + (f % 3 == 0 ? 2 : 0)) pitches.push_back(38);
      if (s % (1 + f % 2) == 0) pitches.push_back(42);
      for (int pitch : pitches) {
        auto* n = ns.add_notes();
        n->set_pitch(pitch);
        n->set_velocity(80 + f);
        n->set_start_time(s * step);
        n->set_end_time(s * step + step / 2);
        n->set_is_drum(true);
        n->set_instrument(9);
      }
      ns.set_total_time(s * step + step);
    }
    write_midi_file(dir + "/groove" + std::to_string(f) + ".mid", ns);
  }
}

WorkerOptions one_core() {
  WorkerOptions o;
  o.device = "cpu";
  o.cpu_threads = 1;  // the CI machine has two cores; the audio keeps the other
  return o;
}

}  // namespace

TEST_CASE("Train while playing: a folder with no usable MIDI fails in one line and writes no checkpoint", "[worker]") {
  test::TempDir tmp;
  fs::create_directories(tmp.str("midi"));
  test::write_bytes(tmp.str("midi/broken.mid"), "MThd not really");
  test::write_bytes(tmp.str("midi/notes.txt"), "hello");
  LiveTrainingOptions o;
  o.midi_dir = tmp.str("midi");
  o.run_dir = tmp.str("run");
  int swaps = 0;
  Worker worker(one_core());
  worker.submit(std::make_unique<LiveTrainingJob>(o, std::make_shared<LiveTrainingControl>(),
                                                  [&](auto, const ModelSwap&) { ++swaps; }));
  REQUIRE(worker.wait_idle(60s));
  auto finished = worker.take_finished();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].state == JobState::failed);
  CHECK(finished[0].error.find(o.midi_dir + ": no usable MIDI") == 0);
  CHECK(finished[0].error.find('\n') == std::string::npos);
  CHECK(latest_checkpoint(tmp.str("run/train")).empty());
  CHECK(swaps == 0);
}

TEST_CASE("Train while playing: a missing folder fails naming it", "[worker]") {
  test::TempDir tmp;
  LiveTrainingOptions o;
  o.midi_dir = tmp.str("nowhere");
  o.run_dir = tmp.str("run");
  Worker worker(one_core());
  worker.submit(std::make_unique<LiveTrainingJob>(o, std::make_shared<LiveTrainingControl>(), [](auto, auto&) {}));
  REQUIRE(worker.wait_idle(10s));
  auto finished = worker.take_finished();
  CHECK(finished.at(0).state == JobState::failed);
  CHECK(finished.at(0).error == o.midi_dir + ": not a folder");
}

TEST_CASE("Train while playing: a cancelled run leaves a checkpoint that drumrnn train resumes", "[worker]") {
  test::TempDir tmp;
  write_drum_folder(tmp.str("midi"), 8);
  LiveTrainingOptions o;
  o.midi_dir = tmp.str("midi");
  o.run_dir = tmp.str("run");
  o.hparams = "batch_size=4,rnn_layer_sizes=[8]";
  o.swap_every = 1000;
  o.eval_ratio = 0.25;
  Worker worker(one_core());
  JobId id = worker.submit(std::make_unique<LiveTrainingJob>(o, std::make_shared<LiveTrainingControl>(), [](auto, auto&) {}));
  for (int i = 0; i < 6000; ++i) {
    auto s = worker.status(id);
    if (s && s->stage == "train" && s->done >= 10) break;
    std::this_thread::sleep_for(5ms);
  }
  worker.cancel(id);
  REQUIRE(worker.wait_idle(30s));
  auto finished = worker.take_finished();
  CHECK(finished.at(0).state == JobState::cancelled);
  const std::string ckpt = latest_checkpoint(tmp.str("run/train"));
  REQUIRE(!ckpt.empty());
  LoadedModel m = load_model(ckpt, "drum_kit");
  CHECK(m.step >= 10);
  CHECK(m.hparams.rnn_layer_sizes == std::vector<int>{8});
  // Nothing half-written: no temp files beside the checkpoints.
  for (const auto& e : fs::directory_iterator(tmp.str("run/train")))
    CHECK(e.path().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("Train while playing: 30 s on JACK while the CPU worker trains: no xruns, a swap heard, a valid checkpoint",
          "[worker][jack][live-train][slow]") {
  if (!test::have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  test::JackServer server("livetrain");
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");
  test::TempDir tmp;
  write_drum_folder(tmp.str("midi"), 12);

  rt::GenerationOptions g;
  g.seed = 5;
  rt::GenerationService generation(std::shared_ptr<const DrumRnn>(load_model(default_model_path()).model), g);
  rt::JackBackend backend("drumrnn-livetrain", server.name());
  rt::EngineConfig config;
  config.sample_rate = backend.sample_rate();
  rt::Engine engine(config, std::make_shared<rt::Kit>(rt::make_synth_kit(48000)), generation);
  generation.start_threads();
  backend.start(engine, false);
  test::SchedulingProbe probe(double(backend.buffer_size()) / backend.sample_rate());
  engine.send({rt::ControlTarget::play, 0, 0});

  LiveTrainingOptions o;
  o.midi_dir = tmp.str("midi");
  o.run_dir = tmp.str("run");
  o.hparams = "batch_size=8,rnn_layer_sizes=[16,16]";
  o.swap_every = 5;
  o.eval_ratio = 0.25;
  auto control = std::make_shared<LiveTrainingControl>();
  std::mutex lines_mutex;
  std::vector<ModelSwap> swaps;
  Worker worker(one_core());
  JobId id = worker.submit(std::make_unique<LiveTrainingJob>(
      o, control, [&](std::shared_ptr<const DrumRnn> model, const ModelSwap& swap) {
        generation.swap_model(std::move(model));
        std::lock_guard lock(lines_mutex);
        swaps.push_back(swap);
      }));
  std::this_thread::sleep_for(30s);
  const auto status = worker.status(id);
  worker.cancel(id);
  REQUIRE(worker.wait_idle(30s));
  std::this_thread::sleep_for(1s);  // a swap handed over at the end lands at the next bar line
  engine.send({rt::ControlTarget::stop, 0, 0});
  backend.stop();

  REQUIRE(status);
  INFO("job " << job_state_name(status->state) << " at " << status->stage << " " << status->done << ": "
              << status->error << " / " << status->last_message);
  auto finished = worker.take_finished();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].state == JobState::cancelled);
  probe.stop();
  const auto load = engine.load();
  INFO(probe.describe() << "; callback load p99 " << load.p99 * 100 << "%, max " << load.max * 100 << "%");
  CHECK(load.p99 < 0.25);
  if (probe.kept_deadlines()) CHECK(engine.xruns() == 0);
  else WARN(engine.xruns() << " xruns not held against the engine: " << probe.describe());
  CHECK(engine.snapshot().late_steps == 0);
  REQUIRE(!swaps.empty());
  CHECK(control->swaps.load() == int64_t(swaps.size()));
  // Heard: the generator switched to a trained model at a bar line while playing.
  const auto gs = generation.status();
  CHECK(gs.model_swaps >= 1);
  CHECK(gs.last_swap_step >= 0);
  CHECK(gs.last_swap_step % 16 == 0);
  CHECK(generation.model()->shape().layer_sizes == std::vector<int>{16, 16});
  // Each swap improved on the one before.
  for (size_t i = 1; i < swaps.size(); ++i) CHECK(swaps[i].eval_loss < swaps[i - 1].eval_loss);
  // The run folder is a drumrnn train run: its newest checkpoint loads, with Adam's state.
  const std::string ckpt = latest_checkpoint(tmp.str("run/train"));
  REQUIRE(!ckpt.empty());
  LoadedModel m = load_model(ckpt, "drum_kit");
  CHECK(m.step >= swaps.back().step);
  CHECK(fs::exists(tmp.str("run/eval")));
}
