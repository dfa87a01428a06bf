#include "style/spectrogram_png.h"

#include <png.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <stdexcept>

#include "common/atomic_file.h"

namespace drumrnn::style {
namespace {

// Key colours of a magma-like map (black, purple, red, orange, pale yellow), interpolated linearly.
std::array<unsigned char, 3> colour(float v) {
  static constexpr float keys[][3] = {{0, 0, 4}, {59, 15, 112}, {140, 41, 129}, {222, 73, 104}, {254, 159, 109}, {252, 253, 191}};
  constexpr int n = 6;
  v = std::clamp(v, 0.0f, 1.0f) * (n - 1);
  const int i = std::min(int(v), n - 2);
  const float f = v - float(i);
  std::array<unsigned char, 3> rgb{};
  for (int c = 0; c < 3; ++c) rgb[size_t(c)] = static_cast<unsigned char>(std::lround(keys[i][c] * (1 - f) + keys[i + 1][c] * f));
  return rgb;
}

void append(png_structp png, png_bytep data, png_size_t size) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), size);
}

}  // namespace

float spectrogram_scale(const std::vector<float>& s) {
  if (s.empty()) return 1.0f;
  std::vector<float> v(s);
  auto at = v.begin() + ptrdiff_t(double(v.size() - 1) * 0.995);
  std::nth_element(v.begin(), at, v.end());
  return std::max(1e-6f, *at);
}

void write_spectrogram_png(const std::string& path, const std::vector<float>& s, int frames, int bins, float top) {
  if (frames < 1 || bins < 1 || s.size() != size_t(frames) * bins)
    throw std::runtime_error(path + ": spectrogram is not frames × bins");
  if (top <= 0) top = spectrogram_scale(s);
  // Rows on a log-frequency axis (drums and timbre live in the low bins), each the loudest bin it
  // covers; frames widened to at least 2 pixels so short clips stay readable.
  const int height = std::min(bins, 384), px = std::max(1, 600 / frames), width = frames * px;
  std::vector<std::pair<int, int>> rows(static_cast<size_t>(height));
  for (int y = 0; y < height; ++y) {
    const double lo = std::pow(double(bins), double(y) / height) - 1, hi = std::pow(double(bins), double(y + 1) / height) - 1;
    rows[size_t(y)] = {std::min(bins - 1, int(lo)), std::min(bins - 1, std::max(int(lo), int(hi)))};
  }
  std::vector<png_byte> image(size_t(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    const auto [b0, b1] = rows[size_t(height - 1 - y)];  // low frequencies at the bottom
    for (int t = 0; t < frames; ++t) {
      float v = 0;
      for (int b = b0; b <= b1; ++b) v = std::max(v, s[size_t(t) * bins + b]);
      const auto rgb = colour(v / top);
      for (int x = 0; x < px; ++x) std::copy(rgb.begin(), rgb.end(), image.begin() + (ptrdiff_t(y) * width + t * px + x) * 3);
    }
  }
  std::string bytes;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) throw std::runtime_error(path + ": libpng could not start");
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error(path + ": libpng could not encode the picture");
  }
  png_set_write_fn(png, &bytes, append, nullptr);
  png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) png_write_row(png, image.data() + size_t(y) * width * 3);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  write_file_atomic(path, bytes);
}

}  // namespace drumrnn::style
