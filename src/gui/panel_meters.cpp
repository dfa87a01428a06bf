// Meters and scope: the master peak meters and the output waveform, each one quad drawn by our
// shaders (texture_quad.h), fed from the snapshot's peaks and the engine's scope tap.
#include <algorithm>
#include <cmath>
#include <vector>

#include "gui/panel_state.h"

namespace drumrnn::gui {
namespace {

constexpr float kFloorDb = -60.0f;

float meter_position(float peak) {  // 0 at -60 dB, 1 at 0 dB
  const float db = peak > 1e-6f ? 20.0f * std::log10(peak) : -120.0f;
  return std::clamp((db - kFloorDb) / -kFloorDb, 0.0f, 1.0f);
}

}  // namespace

void draw_meters(PanelState& s) {
  ImGui::Begin("Meters and scope");
  s.record_window("meters");
  if (!s.shader_error.empty()) {
    ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", s.shader_error.c_str());
    ImGui::End();
    return;
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float meter_w = 60, h = std::max(40.0f, avail.y - ImGui::GetTextLineHeightWithSpacing());

  const float levels[2] = {meter_position(s.snap.peak_left), meter_position(s.snap.peak_right)};
  s.meter_texture.upload(levels, 2, 1);
  const ImVec2 m0 = ImGui::GetCursorScreenPos();
  const ImVec2 m1(m0.x + meter_w, m0.y + h);
  s.quads.draw(dl, m0, m1, s.meter_texture, {QuadStyle::meter, ColorMap::magma});
  s.record("meter", m0, ImVec2(meter_w, h));

  // Scope: the newest samples, min/max per pixel column so every sample is seen at any width.
  const ImVec2 o0(m1.x + 10, m0.y);
  const float scope_w = std::max(50.0f, avail.x - meter_w - 10);
  const ImVec2 o1(o0.x + scope_w, o0.y + h);
  const int columns = std::max(1, int(scope_w));
  static std::vector<float> samples(rt::ScopeTap::kSize), envelope;
  const int n = s.engine.scope().read_latest(samples.data(), 2048);
  envelope.assign(size_t(columns) * 2, 0.0f);
  if (n > 0) {
    for (int x = 0; x < columns; ++x) {
      const int a = int(int64_t(x) * n / columns), b = std::max(a + 1, int(int64_t(x + 1) * n / columns));
      float lo = samples[a], hi = samples[a];
      for (int i = a; i < b && i < n; ++i) lo = std::min(lo, samples[i]), hi = std::max(hi, samples[i]);
      envelope[size_t(x) * 2] = lo, envelope[size_t(x) * 2 + 1] = hi;
    }
  }
  s.scope_texture.upload(envelope.data(), columns, 1, 2);
  s.quads.draw(dl, o0, o1, s.scope_texture, {QuadStyle::scope, ColorMap::viridis});
  s.record("scope", o0, ImVec2(scope_w, h));
  ImGui::Dummy(ImVec2(meter_w + 10 + scope_w, h));
  const float db_l = s.snap.peak_left > 1e-6f ? 20 * std::log10(s.snap.peak_left) : -120.0f;
  const float db_r = s.snap.peak_right > 1e-6f ? 20 * std::log10(s.snap.peak_right) : -120.0f;
  ImGui::Text("peak L %.1f dB  R %.1f dB  limiter %.1f dB  %s", db_l, db_r, s.snap.gain_reduction_db,
              n > 0 ? "" : "(no samples yet)");
  ImGui::End();
}

}  // namespace drumrnn::gui
