// Small helpers shared by the benchmark programs: the machine line and shell quoting for the
// "command" line each benchmark prints.
#pragma once
#include <fstream>
#include <string>

namespace drumrnn::bench {

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

}  // namespace drumrnn::bench
