#version 330 core
// Level bars: texel i of a 1-row texture holds bar i's level in 0..1 (already mapped from dB). Lit
// cells take the LUT colour of their height; unlit ones a dim copy, so the scale stays visible.
in vec2 v_uv;
out vec4 frag;
uniform sampler2D u_data;  // R32F, width = number of bars
uniform sampler2D u_lut;
uniform vec2 u_size;
void main() {
  int bars = textureSize(u_data, 0).x;
  float fx = v_uv.x * float(bars);
  float level = texelFetch(u_data, ivec2(int(fx), 0), 0).r;
  float within = fract(fx);
  float gap = 3.0 * float(bars) / u_size.x;     // 3 px between bars
  float tick = fract(v_uv.y * 24.0);            // 24 segments
  vec3 c = texture(u_lut, vec2(0.25 + 0.75 * v_uv.y, 0.5)).rgb;
  if (within > 1.0 - gap || tick > 0.85) frag = vec4(0.05, 0.05, 0.07, 1.0);
  else if (v_uv.y <= level) frag = vec4(c, 1.0);
  else frag = vec4(c * 0.15, 1.0);
}
