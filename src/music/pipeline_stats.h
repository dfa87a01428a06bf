// Pipeline statistics named and printed as Magenta's DAGPipeline logs them (facts §12):
// "name: value" counters and "name:\n  [lo,hi): count" histograms, sorted by name.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace drumrnn {

struct PipelineStats {
  std::map<std::string, int64_t> counters;
  // name -> (bucket lower bounds, counts per bucket)
  struct Histogram {
    std::vector<double> buckets;
    std::map<double, int64_t> counts;
  };
  std::map<std::string, Histogram> histograms;

  void add(const std::string& name, int64_t value) { counters[name] += value; }
  void merge(const PipelineStats& other);
  int64_t counter(const std::string& name) const;

  // The block Magenta logs: one line per statistic, sorted by name.
  std::string format() const;
};

}  // namespace drumrnn
