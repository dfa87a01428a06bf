// Where each float of a cuDNN LSTM layer's weight space comes from in the TensorFlow variables.
//
// TensorFlow's BasicLSTMCell keeps one kernel [in + H, 4H] (rows: input features, then the
// recurrent h; columns: gates i, j, f, o, H each) and one bias [4H], and adds a forget bias of 1.0
// to f inside the cell. cuDNN keeps, per layer, eight matrices [H, cols] row-major (linLayerID 0-3:
// input weights of gates i, f, g, o; 4-7: recurrent weights of the same gates; g is TF's j) and,
// with CUDNN_RNN_SINGLE_INP_BIAS, one bias [H] per input matrix. So cuDNN gate g reads TF gate
// kTfGateOfCudnnGate[g], the matrices are the kernel's transposed blocks, and the f bias carries
// the forget bias. Host-only C++17 (no CUDA types), so the CPU tests check it.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace drumrnn::train {

constexpr float kCudnnForgetBias = 1.0f;  // = ml/lstm.h kForgetBias
constexpr int kCudnnForgetGate = 1;       // cuDNN's order i, f, g, o
constexpr std::array<int, 4> kTfGateOfCudnnGate{0, 2, 1, 3};

// One TF LSTM layer inside the flat parameter buffer (offsets in floats).
struct TfLstmLayer {
  int in = 0, units = 0;
  size_t kernel_offset = 0, bias_offset = 0;
};

// Where cudnnGetRNNWeightParams put one linLayerID's matrix and bias, in floats from the start of the
// layer's weight space; bias_offset < 0 when that matrix has no bias (the recurrent ones in
// single-bias mode).
struct CudnnLinLayer {
  int64_t matrix_offset = -1;
  int64_t bias_offset = -1;
};

// Per weight-space float: the flat-buffer index it copies (-1 = none, stays 0) and what is added.
struct CudnnWeightMap {
  std::vector<int64_t> source;
  std::vector<float> shift;
};

inline CudnnWeightMap map_tf_to_cudnn(const TfLstmLayer& tf, const std::array<CudnnLinLayer, 8>& lin,
                                      size_t weight_space_floats) {
  CudnnWeightMap map;
  map.source.assign(weight_space_floats, -1);
  map.shift.assign(weight_space_floats, 0.0f);
  const int H = tf.units, G4 = 4 * tf.units;
  auto put = [&](int64_t at, size_t from, float shift) {
    if (at < 0 || size_t(at) >= weight_space_floats)
      throw std::logic_error("cuDNN weight space: offset " + std::to_string(at) + " outside " +
                             std::to_string(weight_space_floats) + " floats");
    if (map.source[size_t(at)] >= 0) throw std::logic_error("cuDNN weight space: two sources for one float");
    map.source[size_t(at)] = int64_t(from);
    map.shift[size_t(at)] = shift;
  };
  for (int id = 0; id < 8; ++id) {
    const int gate = id % 4, tf_gate = kTfGateOfCudnnGate[gate];
    const bool recurrent = id >= 4;
    const int cols = recurrent ? H : tf.in;
    const int first_row = recurrent ? tf.in : 0;  // the kernel's rows for this matrix
    if (lin[id].matrix_offset < 0) throw std::logic_error("cuDNN weight space: a matrix without an address");
    for (int u = 0; u < H; ++u)
      for (int k = 0; k < cols; ++k)
        put(lin[id].matrix_offset + int64_t(u) * cols + k,
            tf.kernel_offset + size_t(first_row + k) * G4 + size_t(tf_gate) * H + u, 0.0f);
    // The TF bias goes to the input matrix's bias; a recurrent bias (double-bias mode) stays 0.
    if (!recurrent && lin[id].bias_offset >= 0)
      for (int u = 0; u < H; ++u)
        put(lin[id].bias_offset + u, tf.bias_offset + size_t(tf_gate) * H + u,
            gate == kCudnnForgetGate ? kCudnnForgetBias : 0.0f);
  }
  return map;
}

}  // namespace drumrnn::train
