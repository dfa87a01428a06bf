#include "music/pipeline_stats.h"

#include <cmath>
#include <sstream>

namespace drumrnn {
namespace {

// Python's '%s' of the bucket bounds: ints print bare, the outer bounds as -inf / inf.
std::string bound_text(double v) {
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == std::floor(v)) return std::to_string(static_cast<int64_t>(v));
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

void PipelineStats::merge(const PipelineStats& other) {
  for (const auto& [name, value] : other.counters) counters[name] += value;
  for (const auto& [name, h] : other.histograms) {
    auto& mine = histograms[name];
    if (mine.buckets.empty()) mine.buckets = h.buckets;
    for (const auto& [lo, n] : h.counts) mine.counts[lo] += n;
  }
}

int64_t PipelineStats::counter(const std::string& name) const {
  auto it = counters.find(name);
  return it == counters.end() ? 0 : it->second;
}

std::string PipelineStats::format() const {
  std::map<std::string, std::string> lines;  // sorted by name across both kinds
  for (const auto& [name, value] : counters) lines[name] = name + ": " + std::to_string(value);
  for (const auto& [name, h] : histograms) {
    std::string text = name + ":";
    for (size_t i = 0; i < h.buckets.size(); ++i) {
      auto it = h.counts.find(h.buckets[i]);
      if (it == h.counts.end() || it->second == 0) continue;
      const double hi = i + 1 < h.buckets.size() ? h.buckets[i + 1] : INFINITY;
      text += "\n  [" + bound_text(h.buckets[i]) + "," + bound_text(hi) + "): " + std::to_string(it->second);
    }
    lines[name] = text;
  }
  std::string out;
  for (const auto& [name, text] : lines) out += text + "\n";
  return out;
}

}  // namespace drumrnn
