// The panel's one app loop: init, then while (poll, new frame, draw panels, render, swap), then
// shutdown. Frames are paced to ~60 per second by sleeping, since under Xvfb or without vsync
// swapping never blocks and an unpaced loop would take a core from the audio and generator threads.
#include "gui/panel_app.h"

#include "gui/gl.h"  // before GLFW: our core prototypes, not GLFW's legacy gl.h
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "gui/panel_state.h"

namespace drumrnn::gui {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kWidth = 1280, kHeight = 800;
constexpr auto kFramePeriod = std::chrono::microseconds(16667);

std::string g_glfw_error;
void on_glfw_error(int, const char* text) { g_glfw_error = text ? text : "unknown GLFW error"; }

// Fixed places (no imgui.ini), so the performer always finds the same panel where it was, and a
// test knows where to click.
void place(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_Always);
}

// Key presses counted as GLFW delivers them: a press and release that arrive in the same poll (a fast
// tap, xdotool) never show as "down" at NewFrame, so ImGui::IsKeyPressed would miss them.
struct KeyPresses {
  int space = 0, quit = 0;
};
KeyPresses g_keys;
void on_key(GLFWwindow*, int key, int, int action, int mods) {
  if (action != GLFW_PRESS) return;
  if (key == GLFW_KEY_SPACE && mods == 0) ++g_keys.space;
  if (key == GLFW_KEY_Q && (mods & GLFW_MOD_CONTROL)) ++g_keys.quit;
}


void draw_panels(PanelState& s) {
  place(0, 0, 430, 170), draw_transport(s);
  place(0, 170, 430, 250), draw_generation(s);
  place(0, 420, 430, 160), draw_presets(s);
  place(0, 580, 430, 220), draw_io(s);
  place(430, 0, 850, 560), draw_steps(s);
  if (s.ctx.trainer) {
    place(430, 560, 500, 240), draw_meters(s);
    place(930, 560, 350, 240), draw_training(s);
  } else {
    place(430, 560, 850, 240), draw_meters(s);
  }
  if (s.ctx.style_this_loop) place(980, 0, 300, 100), draw_style(s);  // only with --style
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(q * double(v.size() - 1) + 0.5))];
}

void write_layout(const PanelState& s, GLFWwindow* window, const std::string& path) {
  int x = 0, y = 0;
  glfwGetWindowPos(window, &x, &y);
  nlohmann::json j;
  j["window"] = {x, y, kWidth, kHeight};
  j["primer_steps"] = kPrimerSteps;
  j["drum_classes"] = rt::kDrumClasses;
  for (const auto& [name, r] : s.layout) j["rects"][name] = {r[0], r[1], r[2], r[3]};
  std::ofstream(path + ".tmp") << j.dump(2) << "\n";
  std::rename((path + ".tmp").c_str(), path.c_str());  // the test never reads half a file
}

void write_state(const PanelState& s, const std::string& path, double wall_ms_median) {
  const auto snap = s.engine.snapshot();
  nlohmann::json j;
  j["playing"] = snap.playing;
  j["bpm"] = snap.bpm;
  j["swing"] = snap.swing;
  j["temperature"] = snap.temperature;
  j["mode"] = mode_text(rt::GenerationMode(snap.mode), snap.mode_bars);
  j["steps_played"] = snap.steps_played;
  j["notes_played"] = snap.notes_played;
  j["late_steps"] = snap.late_steps;
  j["xruns"] = s.engine.xruns();
  nlohmann::json primer = nlohmann::json::array();
  for (const auto& step : s.engine.generation().primer()) primer.push_back(step.pitches());
  j["primer"] = primer;
  j["frames"] = s.frame_ms.size();
  j["frame_ms_median"] = percentile(s.frame_ms, 0.5);
  j["frame_ms_p99"] = percentile(s.frame_ms, 0.99);
  j["frame_interval_ms_median"] = wall_ms_median;
  const auto load = s.engine.load();
  j["load_p50"] = load.p50, j["load_p99"] = load.p99, j["load_max"] = load.max;
  j["shader_error"] = s.shader_error;
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : s.messages) messages.push_back(m.text);
  j["messages"] = messages;
  std::ofstream(path + ".tmp") << j.dump(2) << "\n";
  std::rename((path + ".tmp").c_str(), path.c_str());
}

}  // namespace

int run_panel(rt::Engine& engine, PanelContext& ctx, std::string& why) {
  // --- init ---------------------------------------------------------------------------------------
  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if ((!display || !*display) && (!wayland || !*wayland)) {
    why = "no display (DISPLAY is not set)";
    return kPanelNoDisplay;
  }
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    why = "GLFW could not start: " + g_glfw_error;
    return kPanelNoDisplay;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
  GLFWwindow* window = glfwCreateWindow(kWidth, kHeight, "drumrnn live", nullptr, nullptr);
  if (!window) {
    why = "no OpenGL 3.3 core window: " + g_glfw_error;
    glfwTerminate();
    return kPanelNoDisplay;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui::StyleColorsDark();
  g_keys = {};
  glfwSetKeyCallback(window, on_key);  // before ImGui's backend, which chains to it
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  auto state = std::make_unique<PanelState>(engine, ctx);  // its GL objects must go before the context
  PanelState& s = *state;
  s.read_primer_from_engine();
  s.mode_bars = engine.generation().mode_bars();
  std::snprintf(s.model_path, sizeof s.model_path, "%s", ctx.model_path.c_str());
  std::snprintf(s.kit_name, sizeof s.kit_name, "%s", ctx.kit.c_str());
  try {
    s.quads.init();
  } catch (const ShaderError& e) {
    s.shader_error = e.what();
    s.say(e.what(), true);
  }
  const char* layout_env = std::getenv("DRUMRNN_GUI_LAYOUT");
  const char* state_env = std::getenv("DRUMRNN_GUI_STATE");
  std::vector<double> intervals;
  auto last_start = Clock::now();

  // --- the loop -------------------------------------------------------------------------------------
  for (int64_t frame = 0; !glfwWindowShouldClose(window) && !(ctx.should_stop && ctx.should_stop()); ++frame) {
    const auto start = Clock::now();
    if (frame > 0) intervals.push_back(std::chrono::duration<double, std::milli>(start - last_start).count());
    last_start = start;
    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();

    s.snap = engine.snapshot();
    s.poll_loads();
    const ImGuiIO& io = ImGui::GetIO();
    for (; g_keys.space > 0; --g_keys.space)
      if (!io.WantTextInput) engine.send({rt::ControlTarget::toggle_play, 0, 0});
    if (g_keys.quit > 0) glfwSetWindowShouldClose(window, GLFW_TRUE);
    s.quads.begin_frame();
    draw_panels(s);

    ImGui::Render();
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(window, &fb_w, &fb_h);
    glViewport(0, 0, fb_w, fb_h);
    glClearColor(0.08f, 0.08f, 0.1f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glfwSwapBuffers(window);
    s.frame_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());

    if (layout_env && frame == 10) write_layout(s, window, layout_env);  // the layout is fixed by now
    std::this_thread::sleep_until(start + kFramePeriod);
  }

  // --- shutdown -------------------------------------------------------------------------------------
  if (state_env) write_state(s, state_env, percentile(intervals, 0.5));
  if (s.model_load.valid()) s.model_load.wait();  // a loader thread must not outlive the engine
  if (s.kit_load.valid()) s.kit_load.wait();
  state.reset();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return 0;
}

}  // namespace drumrnn::gui
