#include "ml/packed_batch.h"

namespace drumrnn {

void SparseRows::add_row(const float* dense, int n) {
  for (int i = 0; i < n; ++i) {
    if (dense[i] != 0.0f) {
      index.push_back(i);
      value.push_back(dense[i]);
    }
  }
  row_start.push_back(static_cast<int32_t>(index.size()));
}

void SparseRows::append_row(const SparseRows& from, size_t row) {
  index.insert(index.end(), from.index.begin() + from.row_start[row], from.index.begin() + from.row_start[row + 1]);
  value.insert(value.end(), from.value.begin() + from.row_start[row], from.value.begin() + from.row_start[row + 1]);
  row_start.push_back(static_cast<int32_t>(index.size()));
}

}  // namespace drumrnn
