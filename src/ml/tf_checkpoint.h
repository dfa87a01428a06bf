// TensorFlow checkpoints without TensorFlow: the V2 tensor bundle a training run writes
// (<prefix>.index, a table of BundleEntryProto, + <prefix>.data-00000-of-00001) and the V1 format
// (one table of SavedTensorSlices) that Magenta's generator bundles hold.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ml/tf_table.h"

namespace drumrnn {

// One variable. Float tensors keep their values in `floats`; int64 ones (global_step) in `ints`.
struct TfTensor {
  enum class Type { float32, int64 } type = Type::float32;
  std::vector<int64_t> shape;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  size_t elements() const;
};

using TfVariables = std::map<std::string, TfTensor>;

// Reads <prefix>.index and its one data shard, checking every CRC. Throws TfFormatError naming the
// file (and the variable) on anything malformed or unsupported (sharded, sliced, other dtypes).
TfVariables read_tf_checkpoint_v2(const std::string& prefix);
// Writes <prefix>.index and <prefix>.data-00000-of-00001 as TensorFlow's BundleWriter does, each
// atomically (data first, so a reader never finds an index without its data).
void write_tf_checkpoint_v2(const std::string& prefix, const TfVariables& vars);

// A V1 checkpoint held in memory (a bundle's checkpoint_file); `path` names it in errors.
TfVariables read_tf_checkpoint_v1(const std::string& bytes, const std::string& path);
std::string write_tf_checkpoint_v1(const TfVariables& vars);

// The checkpoint prefix named by `dir`/checkpoint (model_checkpoint_path, relative to `dir` unless
// absolute; an absolute path that is gone falls back to its file name in `dir`). Throws
// TfFormatError when the file is missing or names nothing.
std::string latest_tf_checkpoint(const std::string& dir);
// Writes `dir`/checkpoint naming `prefix_name` (a file name in `dir`), as tf.train.Saver does.
void write_tf_checkpoint_state(const std::string& dir, const std::string& prefix_name);

}  // namespace drumrnn
