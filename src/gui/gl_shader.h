// GLSL programs loaded from files in shaders/ at start. A missing file or a compile/link error
// becomes a ShaderError whose message names the file and carries the driver's log, which the panel
// shows instead of the drawing (it never aborts).
#pragma once
#include <stdexcept>
#include <string>

#include "gui/gl.h"

namespace drumrnn::gui {

struct ShaderError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// shaders/ beside the source tree, or $DRUMRNN_SHADERS_DIR when set (tests point it at broken copies).
std::string shader_dir();

class ShaderProgram {
 public:
  ShaderProgram() = default;
  ~ShaderProgram();
  ShaderProgram(const ShaderProgram&) = delete;
  ShaderProgram& operator=(const ShaderProgram&) = delete;

  // Reads, compiles and links `vertex_file` and `fragment_file` (names inside shader_dir()).
  void load(const std::string& vertex_file, const std::string& fragment_file);
  bool ready() const { return program_ != 0; }
  GLuint id() const { return program_; }
  GLint uniform(const char* name) const { return glGetUniformLocation(program_, name); }

 private:
  GLuint program_ = 0;
};

// The shader source text in a file; throws ShaderError naming the file when it cannot be read.
std::string read_shader_file(const std::string& path);

}  // namespace drumrnn::gui
