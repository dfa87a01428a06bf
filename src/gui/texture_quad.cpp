#include "gui/texture_quad.h"

#include <algorithm>
#include <cmath>

namespace drumrnn::gui {
namespace {

// Polynomial fits (degree 6) of matplotlib's viridis and magma, after Matt Zucker's public-domain
// shadertoy "Colormap polynomials": rgb(t) = c0 + t*(c1 + t*(c2 + ... + t*c6)).
constexpr float kViridis[7][3] = {{0.2777273272234177f, 0.005407344544966578f, 0.3340998053353061f},
                                  {0.1050930431085774f, 1.404613529898575f, 1.384590162594685f},
                                  {-0.3308618287255563f, 0.214847559468213f, 0.09509516302823659f},
                                  {-4.634230498983486f, -5.799100973351585f, -19.33244095627987f},
                                  {6.228269936347081f, 14.17993336680509f, 56.69055260068105f},
                                  {4.776384997670288f, -13.74514537774601f, -65.35303263337234f},
                                  {-5.435455855934631f, 4.645852612178535f, 26.3124352495832f}};
constexpr float kMagma[7][3] = {{-0.002136485053939582f, -0.000749655052795221f, -0.005386127855323933f},
                                {0.2516605407371642f, 0.6775232436837668f, 2.494026599312351f},
                                {8.353717279216625f, -3.577719514958484f, 0.3144679030132573f},
                                {-27.66873308576866f, 14.26473078096533f, -13.64921318813922f},
                                {52.17613981234068f, -27.94360607168351f, 12.94416944238394f},
                                {-50.76852536473588f, 29.04658282127291f, 4.23415299384598f},
                                {18.65570506591883f, -11.48977351997711f, -5.601961508734096f}};

constexpr int kLutSize = 256;
const char* kFragmentFiles[3] = {"colormap.frag", "scope.frag", "meter.frag"};

}  // namespace

void color_map_rgb(ColorMap map, float t, float rgb[3]) {
  const auto& c = map == ColorMap::magma ? kMagma : kViridis;
  t = std::clamp(t, 0.0f, 1.0f);
  for (int k = 0; k < 3; ++k) {
    float v = c[6][k];
    for (int i = 5; i >= 0; --i) v = c[i][k] + t * v;
    rgb[k] = std::clamp(v, 0.0f, 1.0f);
  }
}

DataTexture::~DataTexture() {
  if (texture_) glDeleteTextures(1, &texture_);
}

void DataTexture::upload(const float* data, int width, int height, int channels) {
  if (!texture_) {
    glGenTextures(1, &texture_);
    glBindTexture(GL_TEXTURE_2D, texture_);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  }
  glBindTexture(GL_TEXTURE_2D, texture_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  const GLenum format = channels == 2 ? GL_RG : GL_RED;
  const GLint internal = channels == 2 ? GL_RG32F : GL_R32F;
  if (width != width_ || height != height_ || channels != channels_) {
    glTexImage2D(GL_TEXTURE_2D, 0, internal, width, height, 0, format, GL_FLOAT, data);
    width_ = width, height_ = height, channels_ = channels;
  } else {
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, format, GL_FLOAT, data);
  }
}

TextureQuadRenderer::~TextureQuadRenderer() {
  if (vao_) glDeleteVertexArrays(1, &vao_);
  for (GLuint& t : luts_)
    if (t) glDeleteTextures(1, &t);
}

void TextureQuadRenderer::init() {
  for (int i = 0; i < 3; ++i) programs_[i].load("quad.vert", kFragmentFiles[i]);
  glGenVertexArrays(1, &vao_);  // core profile needs a bound VAO; the vertex shader makes the corners
  glGenTextures(2, luts_);
  for (int m = 0; m < 2; ++m) {
    unsigned char rgba[kLutSize * 4];
    for (int i = 0; i < kLutSize; ++i) {
      float rgb[3];
      color_map_rgb(ColorMap(m), i / float(kLutSize - 1), rgb);
      for (int k = 0; k < 3; ++k) rgba[i * 4 + k] = static_cast<unsigned char>(std::lround(rgb[k] * 255));
      rgba[i * 4 + 3] = 255;
    }
    glBindTexture(GL_TEXTURE_2D, luts_[m]);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, kLutSize, 1, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  }
  ready_ = true;
}

void TextureQuadRenderer::draw(ImDrawList* list, ImVec2 min, ImVec2 max, const DataTexture& texture,
                               const QuadParams& params) {
  if (!ready_ || !texture.id()) return;
  if (jobs_used_ == jobs_.size()) jobs_.push_back(std::make_unique<Job>());
  Job& job = *jobs_[jobs_used_++];
  job = {this, min, max, texture.id(), params};
  list->AddCallback(&TextureQuadRenderer::render_job, &job);
  list->AddCallback(ImDrawCallback_ResetRenderState, nullptr);  // ImGui's backend re-binds its state
}

void TextureQuadRenderer::render_job(const ImDrawList*, const ImDrawCmd* cmd) {
  const Job& job = *static_cast<const Job*>(cmd->UserCallbackData);
  const ImDrawData* dd = ImGui::GetDrawData();
  const float sx = dd->FramebufferScale.x, sy = dd->FramebufferScale.y;
  const float fb_h = dd->DisplaySize.y * sy;
  const ImVec2 o = dd->DisplayPos;
  // Viewport = the quad's rectangle; scissor = that clipped by the window's clip rectangle.
  const float x0 = (job.min.x - o.x) * sx, x1 = (job.max.x - o.x) * sx;
  const float y0 = (job.min.y - o.y) * sy, y1 = (job.max.y - o.y) * sy;
  glViewport(GLint(x0), GLint(fb_h - y1), GLsizei(x1 - x0), GLsizei(y1 - y0));
  const float cx0 = std::max(x0, (cmd->ClipRect.x - o.x) * sx), cy0 = std::max(y0, (cmd->ClipRect.y - o.y) * sy);
  const float cx1 = std::min(x1, (cmd->ClipRect.z - o.x) * sx), cy1 = std::min(y1, (cmd->ClipRect.w - o.y) * sy);
  if (cx1 <= cx0 || cy1 <= cy0) return;
  glEnable(GL_SCISSOR_TEST);
  glScissor(GLint(cx0), GLint(fb_h - cy1), GLsizei(cx1 - cx0), GLsizei(cy1 - cy0));

  const ShaderProgram& p = job.self->programs_[int(job.params.style)];
  glUseProgram(p.id());
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, job.texture);
  glActiveTexture(GL_TEXTURE1);
  glBindTexture(GL_TEXTURE_2D, job.self->luts_[int(job.params.map)]);
  glUniform1i(p.uniform("u_data"), 0);
  glUniform1i(p.uniform("u_lut"), 1);
  glUniform2f(p.uniform("u_range"), job.params.lo, job.params.hi);
  glUniform1i(p.uniform("u_log"), job.params.log_scale ? 1 : 0);
  glUniform2f(p.uniform("u_size"), x1 - x0, y1 - y0);
  glBindVertexArray(job.self->vao_);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glActiveTexture(GL_TEXTURE0);
}

}  // namespace drumrnn::gui
