#version 330 core
// A float texture through a colour map: value -> (optionally 20 log10) -> u_range -> LUT.
// The spectrogram of the style issue is this with u_log = 1 and u_range = (-80, 0) dB.
in vec2 v_uv;
out vec4 frag;
uniform sampler2D u_data;  // R32F
uniform sampler2D u_lut;   // 256 x 1 RGBA
uniform vec2 u_range;      // value mapped to 0 and to 1
uniform int u_log;
void main() {
  float v = texture(u_data, v_uv).r;
  if (u_log == 1) v = 20.0 * log(max(v, 1e-12)) / log(10.0);
  float t = clamp((v - u_range.x) / (u_range.y - u_range.x), 0.0, 1.0);
  frag = vec4(texture(u_lut, vec2(t, 0.5)).rgb, 1.0);
}
