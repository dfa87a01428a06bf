// Draws float textures onto screen rectangles with our own shaders, in ImGui's draw order (an
// ImDrawList callback), so meters, the scope and, later, log-magnitude spectrograms cost one quad
// each instead of thousands of ImGui rectangles. Values reach the screen through a colour map: a
// 256-entry 1-D lookup texture of a perceptual map (viridis, magma).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <imgui.h>

#include "gui/gl.h"
#include "gui/gl_shader.h"

namespace drumrnn::gui {

enum class ColorMap { viridis = 0, magma = 1 };

// An RGB colour map sampled at t in 0..1 (the polynomial fits of matplotlib's maps).
void color_map_rgb(ColorMap map, float t, float rgb[3]);

// A width x height texture of 1 or 2 float channels (R32F / RG32F), re-uploaded whenever it changes.
class DataTexture {
 public:
  DataTexture() = default;
  ~DataTexture();
  DataTexture(const DataTexture&) = delete;
  DataTexture& operator=(const DataTexture&) = delete;
  // `data` holds width * height * channels floats, row-major, row 0 at the bottom.
  void upload(const float* data, int width, int height, int channels = 1);
  GLuint id() const { return texture_; }

 private:
  GLuint texture_ = 0;
  int width_ = 0, height_ = 0, channels_ = 0;
};

// What a quad draws: `colormap` maps each texel (log-scaled when asked) onto the colour map, `scope`
// draws a waveform from a (min, max) per column RG texture, `meter` lights bars from a 1-row texture of
// levels in 0..1.
enum class QuadStyle { colormap = 0, scope = 1, meter = 2 };

struct QuadParams {
  QuadStyle style = QuadStyle::colormap;
  ColorMap map = ColorMap::viridis;
  float lo = 0, hi = 1;   // the value range mapped to 0..1 of the colour map
  bool log_scale = false; // colormap: 20*log10(value) before the range (spectrogram magnitudes)
};

class TextureQuadRenderer {
 public:
  TextureQuadRenderer() = default;
  ~TextureQuadRenderer();
  TextureQuadRenderer(const TextureQuadRenderer&) = delete;
  TextureQuadRenderer& operator=(const TextureQuadRenderer&) = delete;

  // Loads shaders/quad.vert with colormap.frag, scope.frag and meter.frag; builds the colour map LUTs.
  // Throws ShaderError (file and compiler message); the renderer then stays unusable.
  void init();
  bool ready() const { return ready_; }

  // Queues `texture` drawn over [min, max] (screen coordinates) into `list`; it renders when ImGui's
  // draw data does, this frame. Call begin_frame() once per frame before queuing.
  void begin_frame() { jobs_used_ = 0; }
  void draw(ImDrawList* list, ImVec2 min, ImVec2 max, const DataTexture& texture, const QuadParams& params);

 private:
  struct Job {
    TextureQuadRenderer* self;
    ImVec2 min, max;
    GLuint texture;
    QuadParams params;
  };
  static void render_job(const ImDrawList* list, const ImDrawCmd* cmd);

  ShaderProgram programs_[3];
  GLuint vao_ = 0, luts_[2] = {0, 0};
  std::vector<std::unique_ptr<Job>> jobs_;  // kept between frames: a job must outlive the render
  size_t jobs_used_ = 0;
  bool ready_ = false;
};

}  // namespace drumrnn::gui
