// TensorFlow's immutable key/value table (tensorflow/core/lib/io/table*, LevelDB's SSTable): what a
// checkpoint's .index (V2) and a V1 checkpoint are made of. Uncompressed blocks only, as TF writes them.
//   data blocks | metaindex block (empty) | index block | footer (48 bytes, magic 0xdb4775248b80fb57)
// Each block: prefix-compressed entries, restart offsets, their count; then a type byte (0 = none)
// and the masked CRC32C of block + type byte.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace drumrnn {

// Every malformed checkpoint, table or bundle; the message is one line and names the file.
struct TfFormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using TfTableEntries = std::vector<std::pair<std::string, std::string>>;

// All entries of the table in `bytes`, in key order. Checks the footer, every block's CRC and
// bounds, and that keys ascend. `path` names the file in errors.
TfTableEntries read_tf_table(const std::string& bytes, const std::string& path);

// The table holding `entries` (sorted here by key, bytewise; keys must be unique): 256 KiB data
// blocks with a restart every 16 entries, as TensorFlow's TableBuilder writes them.
std::string write_tf_table(TfTableEntries entries);

}  // namespace drumrnn
