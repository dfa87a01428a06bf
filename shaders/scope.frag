#version 330 core
// The output waveform: texel x holds (min, max) of the samples under that pixel column, in -1..1.
// A pixel is lit when it lies within the column's envelope (widened by one pixel so a quiet signal
// still shows a line); its colour comes from the LUT by amplitude.
in vec2 v_uv;
out vec4 frag;
uniform sampler2D u_data;  // RG32F, width = pixel columns, height 1
uniform sampler2D u_lut;
uniform vec2 u_size;       // the quad in pixels
void main() {
  vec2 env = texture(u_data, vec2(v_uv.x, 0.5)).rg;
  float y = v_uv.y * 2.0 - 1.0;
  float px = 2.0 / u_size.y;
  vec3 background = vec3(0.06, 0.06, 0.08);
  if (abs(y) < px * 0.5) background = vec3(0.2, 0.2, 0.25);  // the zero line
  if (y >= env.x - px && y <= env.y + px) {
    frag = vec4(texture(u_lut, vec2(0.35 + 0.65 * clamp(abs(y), 0.0, 1.0), 0.5)).rgb, 1.0);
  } else {
    frag = vec4(background, 1.0);
  }
}
