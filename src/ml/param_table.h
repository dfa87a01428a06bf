// All of a model's parameters live in one float buffer; a table of named views describes it.
// Safetensors I/O, Adam, gradient clipping and device copies all walk this table, so a new tensor
// needs no code anywhere but where the model declares it.
#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace drumrnn {

struct ParamView {
  std::string name;           // TensorFlow-style, e.g. "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"
  std::vector<size_t> shape;  // row-major
  size_t offset = 0;          // into the buffer, in floats
  size_t size() const {
    size_t n = 1;
    for (size_t d : shape) n *= d;
    return n;
  }
};

class ParamTable {
 public:
  // Appends a view; returns its index. Offsets are assigned in declaration order.
  size_t add(std::string name, std::vector<size_t> shape);
  const std::vector<ParamView>& views() const { return views_; }
  const ParamView* find(const std::string& name) const;
  size_t total() const { return total_; }

 private:
  std::vector<ParamView> views_;
  size_t total_ = 0;
};

// A buffer laid out by a table (parameters, gradients, Adam moments all share one layout).
struct ParamBuffer {
  const ParamTable* table = nullptr;
  std::vector<float> data;
  explicit ParamBuffer(const ParamTable& t) : table(&t), data(t.total(), 0.0f) {}
  std::span<float> view(size_t index) {
    const auto& v = table->views()[index];
    return {data.data() + v.offset, v.size()};
  }
  std::span<const float> view(size_t index) const {
    const auto& v = table->views()[index];
    return {data.data() + v.offset, v.size()};
  }
};

}  // namespace drumrnn
