// The performance panel: session presets (no display needed), the scope tap, and the real window
// under Xvfb with a JACK dummy server: every panel draws, space stops the transport, a click on the
// primer grid changes the engine's primer, and the window closes with exit status 0.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "gui/panel_app.h"
#include "gui/session_preset.h"
#include "magenta_fixtures.h"
#include "music/midi_io.h"
#include "realtime/jack_backend.h"
#include "realtime/scope_tap.h"
#include "test_support.h"

using namespace drumrnn;
using namespace drumrnn::gui;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool have(const char* program) {
  return std::system((std::string("command -v ") + program + " >/dev/null 2>&1").c_str()) == 0;
}

// A child process with extra environment, stdout+stderr to a file; stopped by its PID at scope end.
struct Child {
  pid_t pid = -1;
  Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, const std::string& out) {
    pid = ::fork();
    if (pid == 0) {
      for (const auto& [k, v] : env) v.empty() ? ::unsetenv(k.c_str()) : ::setenv(k.c_str(), v.c_str(), 1);
      std::FILE* f = std::fopen(out.c_str(), "w");
      if (f) ::dup2(fileno(f), 1), ::dup2(fileno(f), 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Child() { stop(); }
  // The exit status, or -1 when it is still running after `seconds`.
  int wait(double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (pid > 0) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() > end) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  void stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    if (wait(5) == -1 && pid > 0) ::kill(pid, SIGKILL), wait(5);
  }
};

template <class F>
bool wait_for(F ready, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!ready()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

std::string command_output(const std::string& cmd) {
  std::string out;
  if (std::FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  return out;
}

// Xvfb on a free display and a JACK dummy server, both stopped by PID at scope end.
struct Rig {
  std::unique_ptr<Child> xvfb, jackd;
  std::string display, jack_name, why_not;
  test::TempDir dir;
  // `server`: a fixed JACK server name per test. JACK 2 reclaims a dead server's slot in its 8-entry
  // table only for the same name, so names that change each run (a PID) fill the table.
  explicit Rig(const std::string& server) {
    for (const char* p : {"Xvfb", "jackd", "xdotool", "import", "convert"})
      if (!have(p)) {
        why_not = std::string(p) + " is not installed (apt-get install xvfb jackd2 xdotool imagemagick)";
        return;
      }
    for (int n = 90; n < 140 && display.empty(); ++n)
      if (!fs::exists("/tmp/.X11-unix/X" + std::to_string(n)) && !fs::exists("/tmp/.X" + std::to_string(n) + "-lock"))
        display = ":" + std::to_string(n);
    xvfb = std::make_unique<Child>(std::vector<std::string>{"Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"},
                                   std::map<std::string, std::string>{}, dir.str("xvfb.log"));
    if (!wait_for([&] { return fs::exists("/tmp/.X11-unix/X" + display.substr(1)); }, 20)) {
      why_not = "Xvfb did not start on " + display + ": " + slurp(dir.str("xvfb.log"));
      return;
    }
    jack_name = server;
    // Other JACK servers on the machine (other suites) can fill JACK's server table for a while.
    for (int attempt = 0; attempt < 5; ++attempt) {
      jackd = std::make_unique<Child>(std::vector<std::string>{"jackd", "-n", jack_name, "-d", "dummy", "-r", "48000", "-p", "128"},
                                      std::map<std::string, std::string>{{"JACK_NO_AUDIO_RESERVATION", "1"}}, dir.str("jackd.log"));
      if (wait_for([&] { return rt::jack_server_running(jack_name) || jackd->wait(0) != -1; }, 20) &&
          rt::jack_server_running(jack_name))
        return;
      jackd.reset();
      std::this_thread::sleep_for(std::chrono::seconds(3));
    }
    why_not = "the JACK dummy server did not start: " + slurp(dir.str("jackd.log"));
  }
  std::map<std::string, std::string> env(const std::string& layout, const std::string& state) const {
    return {{"DISPLAY", display}, {"JACK_DEFAULT_SERVER", jack_name}, {"JACK_NO_START_SERVER", "1"},
            {"LIBGL_ALWAYS_SOFTWARE", "1"}, {"DRUMRNN_GUI_LAYOUT", layout}, {"DRUMRNN_GUI_STATE", state}};
  }
  void xdo(const std::string& args) const {
    std::system(("DISPLAY=" + display + " xdotool " + args + " >/dev/null 2>&1").c_str());
  }
  void screenshot(const std::string& path) const {
    std::system(("DISPLAY=" + display + " import -window root " + path + " >/dev/null 2>&1").c_str());
  }
};

double region_stddev(const std::string& png, const std::array<double, 4>& r) {
  char geom[128];
  std::snprintf(geom, sizeof geom, "%dx%d+%d+%d", int(r[2]), int(r[3]), int(r[0]), int(r[1]));
  return std::atof(command_output("convert " + png + " -crop " + geom + " +repage -format '%[fx:standard_deviation]' info:").c_str());
}

// Mean brightness 0..1 of a small square around (x, y).
double brightness(const std::string& png, double x, double y) {
  char geom[128];
  std::snprintf(geom, sizeof geom, "6x6+%d+%d", int(x) - 3, int(y) - 3);
  return std::atof(command_output("convert " + png + " -crop " + geom + " +repage -colorspace gray -format '%[fx:mean]' info:").c_str());
}

}  // namespace

TEST_CASE("shipped session presets parse", "[gui]") {
  for (const char* name : {"rock_120", "halftime_140", "sparse_call_response"}) {
    INFO(name);
    const SessionPreset p = load_session_preset(name);
    CHECK(p.name == name);
    CHECK(p.primer.size() == 16);
  }
  const SessionPreset rock = load_session_preset("rock_120");
  CHECK(rock.kit == "GMRockKit");
  CHECK(rock.bpm == 120);
  const SessionPreset half = load_session_preset("halftime_140");
  CHECK(half.bpm == 140);
  CHECK(half.swing > 0);
  CHECK(load_session_preset("sparse_call_response").mode == rt::GenerationMode::call_response);
}

TEST_CASE("a session preset saves and loads back equal", "[gui]") {
  test::TempDir dir;
  SessionPreset p;
  p.name = "mine";
  p.kit = "GMRockKit";
  p.kit_map = "roland_tr8s";
  p.bpm = 97.5, p.swing = 0.3, p.temperature = 1.25f, p.master_level = 0.8f;
  p.mode = rt::GenerationMode::regenerate, p.mode_bars = 4;
  p.primer = {PitchSet{36, 42}, PitchSet{}, PitchSet{38}};
  p.level[2] = 0.5f;
  p.mute[3] = true;
  rt::ControllerMap map;
  map.name = "learned";
  map.bindings.push_back({0, 70, rt::ControlTarget::temperature, 0, 0.2f, 2.0f, false});
  p.controller_map = map;
  save_session_preset(p, dir.str("sessions/mine.json"));
  const SessionPreset q = load_session_preset(dir.str("sessions/mine.json"));
  CHECK(q.name == p.name);
  CHECK(q.kit == p.kit);
  CHECK(q.kit_map == p.kit_map);
  CHECK(q.bpm == p.bpm);
  CHECK(q.swing == p.swing);
  CHECK(q.temperature == p.temperature);
  CHECK(q.master_level == p.master_level);
  CHECK(q.mode == p.mode);
  CHECK(q.mode_bars == 4);
  CHECK(q.primer == p.primer);
  CHECK(q.level == p.level);
  CHECK(q.mute == p.mute);
  REQUIRE(q.controller_map);
  REQUIRE(q.controller_map->bindings.size() == 1);
  CHECK(q.controller_map->bindings[0].cc == 70);
  CHECK(primer_text(p.primer) == "[(36, 42), (), (38,)]");
}

TEST_CASE("a corrupt session preset is refused with the reason", "[gui]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"bpm\": 120,", "not valid JSON"},
      {"{\"bpm\": 900}", "\"bpm\""},
      {"{\"tempo\": 120}", "unknown key \"tempo\""},
      {"{\"mutes\": [\"cowbell\"]}", "\"mutes\""},
      {"{\"primer\": [[36], [7]]}", "\"primer\" step 1"},
      {"{\"mode\": \"loop\"}", "\"mode\""},
      {"{\"levels\": {\"kick\": \"loud\"}}", "\"levels\" \"kick\""},
      {"[1, 2]", "expected a JSON object"},
  };
  for (const auto& [text, needle] : cases) {
    INFO(text);
    try {
      parse_session_preset(text, "bad.json");
      FAIL("accepted");
    } catch (const SessionPresetError& e) {
      const std::string what = e.what();
      CHECK(what.find("bad.json") == 0);
      CHECK(what.find(needle) != std::string::npos);
    }
  }
}

TEST_CASE("drumrnn live --preset with a corrupt file fails with one line naming it", "[gui]") {
  test::TempDir dir;
  test::write_bytes(dir.str("broken.json"), "{\"bpm\": \"fast\"}");
  const auto r = test::run_drumrnn({"live", "--headless", "--preset", dir.str("broken.json"), "--duration", "1"});
  test::check_one_line_error(r, "broken.json");
}

TEST_CASE("the scope tap returns the newest samples, oldest first, across the wrap", "[gui]") {
  rt::ScopeTap tap;
  float out[8];
  CHECK(tap.read_latest(out, 8) == 0);
  std::vector<float> block(rt::ScopeTap::kSize - 3);
  for (size_t i = 0; i < block.size(); ++i) block[i] = float(i);
  tap.write(block.data(), int(block.size()));
  const float more[6] = {-1, -2, -3, -4, -5, -6};
  tap.write(more, 6);  // wraps past the end of the ring
  REQUIRE(tap.read_latest(out, 8) == 8);
  CHECK(out[0] == float(block.size() - 2));
  CHECK(out[1] == float(block.size() - 1));
  for (int i = 0; i < 6; ++i) CHECK(out[2 + i] == more[i]);
}

TEST_CASE("the panel draws every panel, space stops the transport, a primer click reaches the engine", "[gui][jack]") {
  Rig rig("drumrnn-gui-panel");
  if (!rig.why_not.empty()) return test::skip_test(rig.why_not);
  const std::string layout_file = rig.dir.str("layout.json"), state_file = rig.dir.str("state.json");
  const std::string artefacts = (fs::current_path() / "gui_artefacts").string();
  fs::create_directories(artefacts);
  const std::string before = artefacts + "/panel_playing.png", after = artefacts + "/panel_after_input.png";
  Child live({DRUMRNN_BINARY, "live", "--duration", "120", "--seed", "3", "--primer", "[(36, 42), (), (42,), ()]",
              "--jack-name", "drumrnn-gui-test"},
             rig.env(layout_file, state_file), rig.dir.str("live.out"));
  REQUIRE(wait_for([&] { return fs::exists(layout_file); }, 90));
  const auto layout = nlohmann::json::parse(slurp(layout_file));
  const double wx = layout["window"][0], wy = layout["window"][1];
  auto rect = [&](const char* name) {
    const auto& r = layout["rects"][name];
    return std::array<double, 4>{double(r[0]) + wx, double(r[1]) + wy, r[2], r[3]};
  };
  // Let it play a few bars, so the step view and scope hold music.
  const bool played = wait_for([&] { return slurp(rig.dir.str("live.out")).find("bar 3.") != std::string::npos; }, 60);
  INFO("live.out:\n" << slurp(rig.dir.str("live.out")) << "jackd.log:\n" << slurp(rig.dir.str("jackd.log")));
  REQUIRE(played);
  rig.screenshot(before);
  for (const char* name : {"transport", "generation", "presets", "io", "steps", "meters", "step_view", "primer_grid", "scope", "meter"}) {
    INFO(name << " in " << before);
    CHECK(region_stddev(before, rect(name)) > 0.01);  // not one flat colour: it drew
  }
  // The primer grid's cells are where the layout says: kick and closed hat on step 0 are lit, snare
  // on step 4 is not.
  const auto grid = rect("primer_grid");
  const double cw = grid[2] / double(layout["primer_steps"]), ch = grid[3] / double(layout["drum_classes"]);
  auto cell = [&](int cls, int step) { return std::pair<double, double>{grid[0] + (step + 0.5) * cw, grid[1] + (cls + 0.5) * ch}; };
  const auto kick0 = cell(0, 0), hat0 = cell(2, 0), snare4 = cell(1, 4);
  const double off = brightness(before, snare4.first, snare4.second);
  CHECK(brightness(before, kick0.first, kick0.second) > off + 0.1);
  CHECK(brightness(before, hat0.first, hat0.second) > off + 0.1);

  // Drive it: click snare on step 4, press space (the pointer is over the window: X gives it the keys).
  char move[64];
  std::snprintf(move, sizeof move, "mousemove %d %d", int(snare4.first), int(snare4.second));
  rig.xdo(move);
  rig.xdo("click 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  rig.xdo("key space");
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  rig.screenshot(after);
  CHECK(brightness(after, snare4.first, snare4.second) > off + 0.1);
  rig.xdo("key ctrl+q");  // closes the window: a clean quit
  const int status = live.wait(60);
  INFO(slurp(rig.dir.str("live.out")));
  REQUIRE(status == 0);

  // What the engine ended with (the panel writes the engine's snapshot and primer on exit).
  const auto state = nlohmann::json::parse(slurp(state_file));
  CHECK(state["playing"] == false);
  CHECK(state["steps_played"].get<int>() > 16);
  const auto& primer = state["primer"];
  REQUIRE(primer.size() >= 5);
  CHECK(primer[4] == nlohmann::json::array({38}));
  CHECK(primer[0] == nlohmann::json::array({36, 42}));
  CHECK(state["shader_error"] == "");
  CHECK(slurp(rig.dir.str("live.out")).find("stopped:") != std::string::npos);
  std::printf("gui: screenshots %s and %s; frame time median %.2f ms, p99 %.2f ms\n", before.c_str(), after.c_str(),
              state["frame_ms_median"].get<double>(), state["frame_ms_p99"].get<double>());
}

TEST_CASE("live without a display says so in one line and plays headless", "[gui][jack]") {
  Rig rig("drumrnn-gui-nodisplay");
  if (!rig.why_not.empty()) return test::skip_test(rig.why_not);
  auto env = rig.env("", "");
  env["DISPLAY"] = "";
  env["WAYLAND_DISPLAY"] = "";
  Child live({DRUMRNN_BINARY, "live", "--duration", "2", "--jack-name", "drumrnn-gui-nodisplay"}, env, rig.dir.str("live.out"));
  const int status = live.wait(60);
  const std::string out = slurp(rig.dir.str("live.out"));
  INFO(out);
  CHECK(status == 0);
  CHECK(out.find("no display") != std::string::npos);
  CHECK(out.find("--headless") != std::string::npos);
  CHECK(out.find("stopped:") != std::string::npos);
}

TEST_CASE("the training panel shows a train-while-playing run and its swaps", "[gui][jack][live-train]") {
  Rig rig("drumrnn-gui-training");
  if (!rig.why_not.empty()) return test::skip_test(rig.why_not);
  // Eight files of 16 bars of kick, snare and hats: a held-back part and something to learn.
  const std::string midi = rig.dir.str("midi");
  fs::create_directories(midi);
  for (int f = 0; f < 8; ++f) {
    magenta::NoteSequence ns;
    ns.set_ticks_per_quarter(480);
    ns.add_tempos()->set_qpm(120);
    for (int s = 0; s < 256; ++s)
      for (int pitch : {42, s % 4 == 0 ? 36 : -1, s % 8 == 4 + f % 2 ? 38 : -1}) {
        if (pitch < 0) continue;
        auto* n = ns.add_notes();
        n->set_pitch(pitch), n->set_velocity(80), n->set_is_drum(true), n->set_instrument(9);
        n->set_start_time(s * 0.125), n->set_end_time(s * 0.125 + 0.0625);
        ns.set_total_time(s * 0.125 + 0.125);
      }
    write_midi_file(midi + "/g" + std::to_string(f) + ".mid", ns);
  }
  const std::string layout_file = rig.dir.str("layout.json"), state_file = rig.dir.str("state.json");
  const std::string artefacts = (fs::current_path() / "gui_artefacts").string();
  fs::create_directories(artefacts);
  const std::string shot = artefacts + "/panel_training.png";
  Child live({DRUMRNN_BINARY, "live", "--duration", "120", "--seed", "3", "--jack-name", "drumrnn-gui-train", "--train-on", midi,
              "--train-hparams", "batch_size=8,rnn_layer_sizes=[16,16]", "--swap-every", "5", "--train-run-dir", rig.dir.str("run")},
             rig.env(layout_file, state_file), rig.dir.str("live.out"));
  REQUIRE(wait_for([&] { return fs::exists(layout_file); }, 90));
  REQUIRE(wait_for([&] { return slurp(rig.dir.str("live.out")).find("swapped in the model of step") != std::string::npos; }, 90));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  rig.screenshot(shot);
  const auto layout = nlohmann::json::parse(slurp(layout_file));
  const double wx = layout["window"][0], wy = layout["window"][1];
  for (const char* name : {"training", "meters"}) {
    const auto& r = layout["rects"][name];
    INFO(name << " in " << shot);
    CHECK(region_stddev(shot, {double(r[0]) + wx, double(r[1]) + wy, r[2], r[3]}) > 0.01);
  }
  rig.xdo("key ctrl+q");
  const int status = live.wait(60);
  const std::string out = slurp(rig.dir.str("live.out"));
  INFO(out);
  REQUIRE(status == 0);
  CHECK(out.find("training stopped at step") != std::string::npos);
  CHECK(out.find("resume with drumrnn train --run_dir") != std::string::npos);
  std::printf("gui: training panel screenshot %s\n", shot.c_str());
}

TEST_CASE("the panel's model loader takes a drumrnn file or a Magenta bundle, and refuses one_drum in one line", "[gui]") {
  const auto bundle = load_drum_kit_model(test::magenta::kBundle);
  REQUIRE(bundle);
  CHECK(bundle->shape().config->id == DrumConfigId::drum_kit);
  CHECK(load_drum_kit_model("")->shape().config->id == DrumConfigId::drum_kit);  // the shipped model
  CHECK_THROWS_WITH(load_drum_kit_model(test::magenta::kOneDrumModel),
                    Catch::Contains("plays drum_kit models") && Catch::Contains("one_drum"));
}
