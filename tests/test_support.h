// Helpers shared by the tests: temp folders, running the drumrnn binary, finding the Groove data.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace drumrnn::test {

// A fresh folder under the system temp dir, removed with everything in it at scope end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string str(const std::string& child = "") const { return (path_ / child).string(); }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int status = -1;  // exit code, or 128 + signal
  std::string out;  // stdout and stderr together
};

// Runs the built drumrnn binary with `args` (shell-quoted here), capturing its output.
RunResult run_drumrnn(const std::vector<std::string>& args);

// ../shared/data/groove beside the checkout (or $DRUMRNN_GROOVE_DIR); empty when absent.
std::string groove_dir();

// Prints the line CTest turns into a skip (SKIP_REGULAR_EXPRESSION "SKIPPED:").
void skip_test(const std::string& why);

void write_bytes(const std::string& path, const std::string& bytes);

// Checks a failed run: non-zero exit, at most one line of output, and that line names `needle`.
void check_one_line_error(const RunResult& r, const std::string& needle);

}  // namespace drumrnn::test
