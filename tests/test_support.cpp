#include "test_support.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sys/wait.h>

namespace drumrnn::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("drumrnn-test-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

static std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

RunResult run_drumrnn(const std::vector<std::string>& args) {
  std::string cmd = shell_quote(DRUMRNN_BINARY);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>&1";
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

std::string groove_dir() {
  if (const char* env = std::getenv("DRUMRNN_GROOVE_DIR")) return fs::is_directory(env) ? env : "";
  const fs::path p = fs::path(DRUMRNN_SOURCE_DIR) / ".." / "shared" / "data" / "groove";
  return fs::is_directory(p) ? fs::canonical(p).string() : "";
}

void skip_test(const std::string& why) {
  std::printf("SKIPPED: %s\n", why.c_str());
  std::fflush(stdout);
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void check_one_line_error(const RunResult& r, const std::string& needle) {
  INFO(r.out);
  CHECK(r.status != 0);
  CHECK_THAT(r.out, Catch::Contains(needle));
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') <= 1);
}

}  // namespace drumrnn::test
