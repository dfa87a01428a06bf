// The safetensors format (huggingface/safetensors), so checkpoints open in PyTorch/NumPy as they are:
//   u64 little-endian N | N bytes of JSON header, space-padded to a multiple of 8 | raw little-endian data.
// Header: {"__metadata__": {string: string}, "<name>": {"dtype","shape","data_offsets":[begin,end]}, ...},
// offsets relative to the start of the data, contiguous, covering it exactly.
#pragma once
#include <cstddef>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ml/param_table.h"

namespace drumrnn {

// Every malformed file: the message is one line and starts with the file's path.
struct SafetensorsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct NamedTensor {
  std::string name;
  std::vector<size_t> shape;  // row-major; {} is a scalar
  std::span<const float> data;
};

// Writes F32 tensors in the given order with contiguous offsets, atomically (temp file + rename).
// An empty `metadata` omits "__metadata__", as the Python library does.
void save_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata);

// The buffer's tensors in table order, named `prefix + view name`; spans point into `buffer`.
std::vector<NamedTensor> named_tensors(const ParamBuffer& buffer, const std::string& prefix = "");

struct LoadedTensor {
  std::vector<size_t> shape;
  std::vector<float> data;  // converted to float from F32/F16/BF16/F64
};

struct SafetensorsFile {
  std::string path;  // for error messages
  std::map<std::string, std::string> metadata;
  std::map<std::string, LoadedTensor> tensors;
};

// Reads and validates the whole file. Throws SafetensorsError on any malformation (IoError when the
// file cannot be read at all).
SafetensorsFile load_safetensors(const std::string& path);

// Copies `prefix + view name` for every view of the buffer's table. Tensors in the file that the
// table does not name are ignored (a file may hold several buffers under different prefixes).
// Throws SafetensorsError naming the tensor when one is missing or has another shape.
void load_into(const SafetensorsFile& file, ParamBuffer& buffer, const std::string& prefix = "");

}  // namespace drumrnn
