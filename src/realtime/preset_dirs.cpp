#include "realtime/preset_dirs.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace drumrnn::rt {
namespace fs = std::filesystem;

std::vector<std::string> preset_roots() {
  std::vector<std::string> roots;
  for (const char* var : {"DRUMRNN_PRESETS_DIR", "DRUMRNN_PRESETS"})
    if (const char* env = std::getenv(var); env && *env) roots.emplace_back(env);
#ifdef DRUMRNN_SOURCE_DIR
  roots.push_back((fs::path(DRUMRNN_SOURCE_DIR) / "presets").string());
#endif
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) roots.push_back((exe.parent_path() / ".." / "share" / "drumrnn" / "presets").lexically_normal().string());
  return roots;
}

std::string find_preset(const std::string& kind, const std::string& name_or_file, std::string& looked) {
  std::error_code ec;
  looked.clear();
  if (fs::is_regular_file(name_or_file, ec)) return name_or_file;
  looked = name_or_file;
  // A path (with a slash or .json) that does not exist is not a preset name.
  if (name_or_file.find('/') != std::string::npos || fs::path(name_or_file).extension() == ".json") return "";
  for (const auto& root : preset_roots()) {
    const fs::path p = fs::path(root) / kind / (name_or_file + ".json");
    if (fs::is_regular_file(p, ec)) return p.string();
    looked += ", " + p.string();
  }
  return "";
}

std::vector<std::string> preset_names(const std::string& kind) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& root : preset_roots()) {
    for (fs::directory_iterator it(fs::path(root) / kind, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".json") names.push_back(it->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace drumrnn::rt
