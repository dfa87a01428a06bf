// A training batch in "packed" time-major layout (as PyTorch's PackedSequence / cuDNN's packed
// mode): sequences sorted by length, longest first; step t holds rows offsets[t] .. offsets[t+1]-1,
// one per sequence still running, so no compute is spent on padding and no mask is needed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace drumrnn {

// Inputs stored sparsely: a drum_kit step is a one-hot plus 6 counters (7 non-zeros of 518).
struct SparseRows {
  int width = 0;
  std::vector<int32_t> row_start{0};  // rows + 1 entries
  std::vector<int32_t> index;
  std::vector<float> value;
  size_t rows() const { return row_start.size() - 1; }
  void clear(int w) {
    width = w;
    row_start.assign(1, 0);
    index.clear();
    value.clear();
  }
  void add_row(const float* dense, int n);  // keeps the non-zeros of a dense row
  void append_row(const SparseRows& from, size_t row);  // copies one row of another set
};

struct PackedBatch {
  std::vector<int> lengths;  // per sequence, descending
  std::vector<int> offsets;  // max_len + 1 entries; offsets[t] = first row of step t
  SparseRows inputs;         // one row per (step, sequence), packed order
  std::vector<int32_t> labels;
  int max_len() const { return static_cast<int>(offsets.size()) - 1; }
  int rows() const { return offsets.empty() ? 0 : offsets.back(); }
  int active(int t) const { return offsets[t + 1] - offsets[t]; }
};

}  // namespace drumrnn
