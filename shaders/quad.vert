#version 330 core
// One screen quad from four vertex ids (no vertex buffer): v_uv runs 0..1 left to right, bottom to top.
out vec2 v_uv;
void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
  v_uv = corner;
  gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
