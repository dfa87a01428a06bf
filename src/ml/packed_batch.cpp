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

}  // namespace drumrnn
