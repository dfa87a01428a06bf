#include "gui/gl_shader.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace drumrnn::gui {
namespace {

GLuint compile(GLenum kind, const std::string& path) {
  const std::string text = read_shader_file(path);
  const GLuint s = glCreateShader(kind);
  const char* src = text.c_str();
  glShaderSource(s, 1, &src, nullptr);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    GLint len = 0;
    glGetShaderiv(s, GL_INFO_LOG_LENGTH, &len);
    std::vector<char> log(static_cast<size_t>(len > 1 ? len : 1));
    glGetShaderInfoLog(s, static_cast<GLsizei>(log.size()), nullptr, log.data());
    glDeleteShader(s);
    std::string msg(log.data());
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw ShaderError(path + ": does not compile: " + msg);
  }
  return s;
}

}  // namespace

std::string shader_dir() {
  if (const char* env = std::getenv("DRUMRNN_SHADERS_DIR"); env && *env) return env;
#ifdef DRUMRNN_SOURCE_DIR
  return std::string(DRUMRNN_SOURCE_DIR) + "/shaders";
#else
  return "shaders";
#endif
}

std::string read_shader_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ShaderError(path + ": cannot read the shader file (set DRUMRNN_SHADERS_DIR to the shaders/ folder)");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ShaderProgram::~ShaderProgram() {
  if (program_) glDeleteProgram(program_);
}

void ShaderProgram::load(const std::string& vertex_file, const std::string& fragment_file) {
  const std::string dir = shader_dir();
  const GLuint vs = compile(GL_VERTEX_SHADER, dir + "/" + vertex_file);
  GLuint fs = 0;
  try {
    fs = compile(GL_FRAGMENT_SHADER, dir + "/" + fragment_file);
  } catch (...) {
    glDeleteShader(vs);
    throw;
  }
  const GLuint p = glCreateProgram();
  glAttachShader(p, vs);
  glAttachShader(p, fs);
  glLinkProgram(p);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(p, GL_LINK_STATUS, &ok);
  if (!ok) {
    char log[2048] = {0};
    glGetProgramInfoLog(p, sizeof log, nullptr, log);
    glDeleteProgram(p);
    throw ShaderError(dir + "/" + vertex_file + " + " + fragment_file + ": do not link: " + log);
  }
  if (program_) glDeleteProgram(program_);
  program_ = p;
}

}  // namespace drumrnn::gui
