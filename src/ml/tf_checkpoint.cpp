#include "ml/tf_checkpoint.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/atomic_file.h"
#include "common/crc32c.h"
#include "saved_tensor_slice.pb.h"
#include "tensor_bundle.pb.h"

namespace drumrnn {
namespace fs = std::filesystem;

namespace {

constexpr const char* kShardSuffix = ".data-00000-of-00001";

std::string read_whole(const std::string& path) {
  try {
    return read_file(path);
  } catch (const IoError& e) {
    throw TfFormatError(e.what());
  }
}

TfTensor::Type tensor_type(int dtype, const std::string& where) {
  if (dtype == tensorflow::DT_FLOAT) return TfTensor::Type::float32;
  if (dtype == tensorflow::DT_INT64) return TfTensor::Type::int64;
  throw TfFormatError(where + " has dtype " + std::to_string(dtype) + "; only float32 and int64 are supported");
}

std::vector<int64_t> shape_of(const tensorflow::TensorShapeProto& s, const std::string& where) {
  if (s.unknown_rank()) throw TfFormatError(where + " has an unknown rank");
  std::vector<int64_t> out;
  for (const auto& d : s.dim()) {
    if (d.size() < 0 || d.size() > (int64_t(1) << 40)) throw TfFormatError(where + " has a bad dimension");
    out.push_back(d.size());
  }
  return out;
}

void set_shape(tensorflow::TensorShapeProto* s, const std::vector<int64_t>& shape) {
  for (int64_t d : shape) s->add_dim()->set_size(d);
}

int dtype_of(const TfTensor& t) { return t.type == TfTensor::Type::float32 ? tensorflow::DT_FLOAT : tensorflow::DT_INT64; }

size_t element_count(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= size_t(d);
  return n;
}

// The raw little-endian bytes of the tensor's values.
std::string raw_bytes(const TfTensor& t) {
  if (t.type == TfTensor::Type::float32)
    return std::string(reinterpret_cast<const char*>(t.floats.data()), t.floats.size() * sizeof(float));
  return std::string(reinterpret_cast<const char*>(t.ints.data()), t.ints.size() * sizeof(int64_t));
}

// OrderedCode (tensorflow/core/lib/strings/ordered_code.cc), just what V1 slice keys need.
void ordered_num(std::string& out, uint64_t v) {
  std::string bytes;
  while (v) {
    bytes.insert(bytes.begin(), char(v & 0xff));
    v >>= 8;
  }
  out.push_back(char(bytes.size()));
  out += bytes;
}
void ordered_string(std::string& out, const std::string& s) {
  for (char c : s) {
    out.push_back(c);
    if (c == '\0') out.push_back('\xff');
    else if (c == '\xff') out.push_back('\0');
  }
  out += std::string("\0\x01", 2);
}
// The key of a whole-tensor slice: 0, name, rank, then (start 0, length -1) per dimension, each a
// one-byte WriteSignedNumIncreasing (0x80 ^ value).
std::string slice_key(const std::string& name, size_t rank) {
  std::string key;
  ordered_num(key, 0);
  ordered_string(key, name);
  ordered_num(key, rank);
  for (size_t d = 0; d < rank; ++d) {
    key.push_back(char(0x80));
    key.push_back(char(0x7f));
  }
  return key;
}

bool is_whole(const tensorflow::TensorSliceProto& s, size_t rank) {
  if (s.extent_size() != 0 && size_t(s.extent_size()) != rank) return false;
  for (const auto& e : s.extent())
    if (e.start() != 0 || e.has_length_case() == tensorflow::TensorSliceProto::Extent::kLength) return false;
  return true;
}

}  // namespace

size_t TfTensor::elements() const { return element_count(shape); }

TfVariables read_tf_checkpoint_v2(const std::string& prefix) {
  const std::string index_path = prefix + ".index", data_path = prefix + kShardSuffix;
  const TfTableEntries entries = read_tf_table(read_whole(index_path), index_path);
  if (entries.empty() || !entries.front().first.empty())
    throw TfFormatError(index_path + ": no bundle header (the \"\" entry): not a V2 checkpoint index");
  tensorflow::BundleHeaderProto header;
  if (!header.ParseFromString(entries.front().second))
    throw TfFormatError(index_path + ": unreadable bundle header");
  if (header.num_shards() != 1)
    throw TfFormatError(index_path + ": " + std::to_string(header.num_shards()) + " shards; only unsharded checkpoints are supported");
  if (header.endianness() != tensorflow::BundleHeaderProto::LITTLE)
    throw TfFormatError(index_path + ": a big-endian checkpoint, unsupported");
  const std::string data = read_whole(data_path);
  TfVariables out;
  for (size_t i = 1; i < entries.size(); ++i) {
    const std::string& name = entries[i].first;
    const std::string where = index_path + ": variable " + name;
    tensorflow::BundleEntryProto e;
    if (!e.ParseFromString(entries[i].second)) throw TfFormatError(where + ": unreadable entry");
    if (e.slices_size() > 0) throw TfFormatError(where + " is saved in slices, unsupported");
    if (e.shard_id() != 0) throw TfFormatError(where + " lies in shard " + std::to_string(e.shard_id()));
    TfTensor t;
    t.type = tensor_type(e.dtype(), where);
    t.shape = shape_of(e.shape(), where);
    const size_t width = t.type == TfTensor::Type::float32 ? 4 : 8;
    if (e.size() != int64_t(t.elements() * width))
      throw TfFormatError(where + ": " + std::to_string(e.size()) + " bytes do not fit its shape");
    if (e.offset() < 0 || uint64_t(e.offset()) > data.size() || uint64_t(e.size()) > data.size() - uint64_t(e.offset()))
      throw TfFormatError(data_path + ": variable " + name + " lies past the end of the file: truncated?");
    const char* bytes = data.data() + e.offset();
    if (crc32c_mask(crc32c(bytes, size_t(e.size()))) != e.crc32c())
      throw TfFormatError(data_path + ": variable " + name + ": CRC mismatch, the file is corrupt");
    if (t.type == TfTensor::Type::float32) {
      t.floats.resize(t.elements());
      std::memcpy(t.floats.data(), bytes, size_t(e.size()));
    } else {
      t.ints.resize(t.elements());
      std::memcpy(t.ints.data(), bytes, size_t(e.size()));
    }
    out.emplace(name, std::move(t));
  }
  return out;
}

void write_tf_checkpoint_v2(const std::string& prefix, const TfVariables& vars) {
  std::string data;
  TfTableEntries entries;
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(1);
  header.set_endianness(tensorflow::BundleHeaderProto::LITTLE);
  header.mutable_version()->set_producer(1);  // kTensorBundleVersion
  entries.emplace_back("", header.SerializeAsString());
  for (const auto& [name, t] : vars) {  // sorted by name, as the Saver adds them
    const std::string bytes = raw_bytes(t);
    tensorflow::BundleEntryProto e;
    e.set_dtype(tensorflow::DataType(dtype_of(t)));
    set_shape(e.mutable_shape(), t.shape);
    e.set_offset(int64_t(data.size()));
    e.set_size(int64_t(bytes.size()));
    e.set_crc32c(crc32c_mask(crc32c(bytes.data(), bytes.size())));
    entries.emplace_back(name, e.SerializeAsString());
    data += bytes;
  }
  write_file_atomic(prefix + kShardSuffix, data);
  write_file_atomic(prefix + ".index", write_tf_table(std::move(entries)));
}

TfVariables read_tf_checkpoint_v1(const std::string& bytes, const std::string& path) {
  const TfTableEntries entries = read_tf_table(bytes, path);
  if (entries.empty() || !entries.front().first.empty())
    throw TfFormatError(path + ": no V1 checkpoint table of contents (the \"\" entry)");
  tensorflow::SavedTensorSlices toc;
  if (!toc.ParseFromString(entries.front().second)) throw TfFormatError(path + ": unreadable table of contents");
  std::map<std::string, std::string> by_key(entries.begin() + 1, entries.end());
  TfVariables out;
  for (const auto& meta : toc.meta().tensor()) {
    const std::string where = path + ": variable " + meta.name();
    TfTensor t;
    t.type = tensor_type(meta.type(), where);
    t.shape = shape_of(meta.shape(), where);
    if (meta.slice_size() != 1 || !is_whole(meta.slice(0), t.shape.size()))
      throw TfFormatError(where + " is saved in slices, unsupported");
    const auto it = by_key.find(slice_key(meta.name(), t.shape.size()));
    if (it == by_key.end()) throw TfFormatError(where + " is listed but its data is missing");
    tensorflow::SavedTensorSlices s;
    if (!s.ParseFromString(it->second) || s.data().name() != meta.name())
      throw TfFormatError(where + ": unreadable data entry");
    const auto& d = s.data().data();
    if (t.type == TfTensor::Type::float32) {
      if (!d.tensor_content().empty()) {
        t.floats.resize(d.tensor_content().size() / 4);
        std::memcpy(t.floats.data(), d.tensor_content().data(), t.floats.size() * 4);
      } else {
        t.floats.assign(d.float_val().begin(), d.float_val().end());
      }
      if (t.floats.size() != t.elements()) throw TfFormatError(where + ": " + std::to_string(t.floats.size()) + " values do not fit its shape");
    } else {
      t.ints.assign(d.int64_val().begin(), d.int64_val().end());
      if (t.ints.size() != t.elements()) throw TfFormatError(where + ": " + std::to_string(t.ints.size()) + " values do not fit its shape");
    }
    out.emplace(meta.name(), std::move(t));
  }
  return out;
}

std::string write_tf_checkpoint_v1(const TfVariables& vars) {
  TfTableEntries entries;
  tensorflow::SavedTensorSlices toc;
  toc.mutable_meta()->mutable_versions()->set_producer(1);  // TF_CHECKPOINT_VERSION
  for (const auto& [name, t] : vars) {
    auto* meta = toc.mutable_meta()->add_tensor();
    meta->set_name(name);
    set_shape(meta->mutable_shape(), t.shape);
    meta->set_type(tensorflow::DataType(dtype_of(t)));
    auto* slice = meta->add_slice();
    for (size_t d = 0; d < t.shape.size(); ++d) slice->add_extent();
    tensorflow::SavedTensorSlices s;
    s.mutable_data()->set_name(name);
    *s.mutable_data()->mutable_slice() = *slice;
    auto* data = s.mutable_data()->mutable_data();
    data->set_dtype(tensorflow::DataType(dtype_of(t)));
    if (t.type == TfTensor::Type::float32) data->mutable_float_val()->Add(t.floats.begin(), t.floats.end());
    else data->mutable_int64_val()->Add(t.ints.begin(), t.ints.end());
    entries.emplace_back(slice_key(name, t.shape.size()), s.SerializeAsString());
  }
  entries.emplace_back("", toc.SerializeAsString());
  return write_tf_table(std::move(entries));
}

std::string latest_tf_checkpoint(const std::string& dir) {
  const fs::path state = fs::path(dir) / "checkpoint";
  std::ifstream in(state);
  if (!in) throw TfFormatError(state.string() + ": cannot read it (no TensorFlow checkpoint in " + dir + ")");
  static const std::regex re(R"re(^\s*model_checkpoint_path:\s*"((?:[^"\\]|\\.)*)"\s*$)re");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, re)) continue;
    fs::path p = m[1].str();
    if (p.is_relative()) return (fs::path(dir) / p).string();
    std::error_code ec;
    if (fs::exists(p.string() + ".index", ec)) return p.string();
    return (fs::path(dir) / p.filename()).string();  // a run directory that was moved or copied
  }
  throw TfFormatError(state.string() + ": names no model_checkpoint_path");
}

void write_tf_checkpoint_state(const std::string& dir, const std::string& prefix_name) {
  const std::string line = "\"" + prefix_name + "\"\n";
  write_file_atomic((fs::path(dir) / "checkpoint").string(),
                    "model_checkpoint_path: " + line + "all_model_checkpoint_paths: " + line);
}

}  // namespace drumrnn
