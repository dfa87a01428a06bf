#include "ml/default_model.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>
#include <vector>

#include "ml/checkpoint.h"

namespace drumrnn {
namespace fs = std::filesystem;

std::string default_model_path() {
  if (const char* env = std::getenv("DRUMRNN_MODEL")) return env;
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("DRUMRNN_PRESETS")) roots.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    roots.push_back(exe.parent_path() / ".." / "presets");
    roots.push_back(exe.parent_path() / ".." / "share" / "drumrnn" / "presets");
  }
#ifdef DRUMRNN_SOURCE_DIR
  roots.push_back(fs::path(DRUMRNN_SOURCE_DIR) / "presets");
#endif
  std::string looked;
  for (const auto& root : roots) {
    const fs::path p = root / "models" / kDefaultModelName;
    if (fs::exists(p, ec)) return fs::weakly_canonical(p, ec).string();
    looked += (looked.empty() ? "" : ", ") + p.string();
  }
  throw std::runtime_error("the default model " + std::string(kDefaultModelName) + " was not found (looked in " +
                           looked + "); pass --model or --run_dir");
}

std::string resolve_model_path(const std::string& run_dir, const std::string& model_file) {
  if (!model_file.empty()) return model_file;
  if (!run_dir.empty()) {
    const std::string train = (fs::path(run_dir) / "train").string();
    const std::string latest = latest_checkpoint(train);
    if (latest.empty()) throw ModelLoadError("no checkpoint in " + train);
    return latest;
  }
  return default_model_path();
}

}  // namespace drumrnn
