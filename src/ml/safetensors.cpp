#include "ml/safetensors.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "common/atomic_file.h"
#include "ml/half_float.h"

namespace drumrnn {

// The data section is copied to and from floats with memcpy; safetensors is little-endian by spec.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

namespace {

using json = nlohmann::json;

// The Rust reader refuses headers above 100 MB; a bigger length is garbage, not a model.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

std::string shape_text(const std::vector<size_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// Element count, or false when the product does not fit in 64 bits (garbage shapes).
bool element_count(const std::vector<size_t>& shape, uint64_t& n) {
  n = 1;
  for (size_t d : shape) {
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / d) return false;
    n *= d;
  }
  return true;
}

size_t dtype_bytes(const std::string& dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  if (dtype == "F64") return 8;
  return 0;  // unsupported
}

float bfloat16_to_float(uint16_t h) { return std::bit_cast<float>(uint32_t(h) << 16); }

void convert_to_float(const std::string& dtype, const unsigned char* src, size_t count, float* dst) {
  if (dtype == "F32") {
    std::memcpy(dst, src, count * 4);
  } else if (dtype == "F64") {
    for (size_t i = 0; i < count; ++i) {
      double d;
      std::memcpy(&d, src + 8 * i, 8);
      dst[i] = static_cast<float>(d);
    }
  } else {
    const bool bf16 = dtype == "BF16";
    for (size_t i = 0; i < count; ++i) {
      uint16_t h;
      std::memcpy(&h, src + 2 * i, 2);
      dst[i] = bf16 ? bfloat16_to_float(h) : half_to_float(h);
    }
  }
}

// One tensor's header entry before its bytes are read.
struct TensorEntry {
  std::string name, dtype;
  std::vector<size_t> shape;
  uint64_t begin = 0, end = 0;
};

bool read_u64_array(const json& j, std::vector<uint64_t>& out) {
  if (!j.is_array()) return false;
  for (const auto& e : j) {
    if (!e.is_number_unsigned()) return false;
    out.push_back(e.get<uint64_t>());
  }
  return true;
}

TensorEntry parse_entry(const std::string& path, const std::string& name, const json& info) {
  auto fail = [&](const std::string& why) {
    return SafetensorsError(path + ": tensor " + name + ": " + why);
  };
  if (!info.is_object()) throw fail("header entry is not a JSON object");
  TensorEntry t;
  t.name = name;
  const auto dtype = info.find("dtype");
  if (dtype == info.end() || !dtype->is_string()) throw fail("missing \"dtype\"");
  t.dtype = dtype->get<std::string>();
  if (!dtype_bytes(t.dtype)) throw fail("unsupported dtype " + t.dtype + " (expected F32, F16, BF16 or F64)");
  std::vector<uint64_t> shape, offsets;
  const auto shape_it = info.find("shape");
  if (shape_it == info.end() || !read_u64_array(*shape_it, shape))
    throw fail("\"shape\" is not a list of non-negative integers");
  for (uint64_t d : shape) {
    if (d > std::numeric_limits<size_t>::max()) throw fail("dimension too large");
    t.shape.push_back(static_cast<size_t>(d));
  }
  const auto offsets_it = info.find("data_offsets");
  if (offsets_it == info.end() || !read_u64_array(*offsets_it, offsets) || offsets.size() != 2)
    throw fail("\"data_offsets\" is not [begin, end]");
  t.begin = offsets[0];
  t.end = offsets[1];
  return t;
}

// The tensors must tile the data section exactly, each spanning shape x dtype bytes, as the Rust
// reader requires; anything else means a corrupt or foreign file.
void check_layout(const std::string& path, std::vector<TensorEntry>& entries, uint64_t data_size) {
  std::sort(entries.begin(), entries.end(),
            [](const TensorEntry& a, const TensorEntry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  uint64_t expected_begin = 0;
  for (const auto& t : entries) {
    auto fail = [&](const std::string& why) {
      return SafetensorsError(path + ": tensor " + t.name + ": " + why);
    };
    if (t.begin != expected_begin || t.end < t.begin)
      throw fail("data_offsets [" + std::to_string(t.begin) + "," + std::to_string(t.end) +
                 "] overlap or leave a gap (expected to begin at " + std::to_string(expected_begin) + ")");
    if (t.end > data_size)
      throw fail("data_offsets end " + std::to_string(t.end) + " is past the data (" + std::to_string(data_size) +
                 " bytes; file truncated?)");
    uint64_t n;
    if (!element_count(t.shape, n) || n > (t.end - t.begin) / dtype_bytes(t.dtype) ||
        n * dtype_bytes(t.dtype) != t.end - t.begin)
      throw fail("shape " + shape_text(t.shape) + " of " + t.dtype + " does not match its " +
                 std::to_string(t.end - t.begin) + " bytes");
    expected_begin = t.end;
  }
  if (expected_begin != data_size)
    throw SafetensorsError(path + ": the tensors cover " + std::to_string(expected_begin) + " of the " +
                           std::to_string(data_size) + " data bytes");
}

}  // namespace

void save_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // ordered_json keeps "__metadata__" first and the tensors in table order, as a reader would expect.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    uint64_t n;
    if (!element_count(t.shape, n) || n != t.data.size())
      throw SafetensorsError(path + ": tensor " + t.name + " has shape " + shape_text(t.shape) + " but " +
                             std::to_string(t.data.size()) + " values");
    if (t.name == "__metadata__" || !names.insert(t.name).second)
      throw SafetensorsError(path + ": duplicate or reserved tensor name " + t.name);
    const uint64_t bytes = n * sizeof(float);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {  // names or metadata that are not UTF-8
    throw SafetensorsError(path + ": cannot encode header: " + e.what());
  }
  // The Python library pads with spaces so the data starts 8-byte aligned (mmap-friendly).
  text.append((8 - text.size() % 8) % 8, ' ');
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(uint64_t(text.size()) >> (8 * i));

  AtomicFile file(path);
  file.write(length, 8);
  file.write(text);
  for (const auto& t : tensors) file.write(t.data.data(), t.data.size_bytes());
  file.commit();
}

std::vector<NamedTensor> named_tensors(const ParamBuffer& buffer, const std::string& prefix) {
  std::vector<NamedTensor> out;
  const auto& views = buffer.table->views();
  for (size_t i = 0; i < views.size(); ++i) out.push_back({prefix + views[i].name, views[i].shape, buffer.view(i)});
  return out;
}

SafetensorsFile load_safetensors(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() < 8)
    throw SafetensorsError(path + ": truncated (" + std::to_string(bytes.size()) +
                           " bytes, shorter than the 8-byte header length)");
  uint64_t header_size = 0;
  for (int i = 0; i < 8; ++i) header_size |= uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (header_size > kMaxHeaderBytes || header_size > bytes.size() - 8)
    throw SafetensorsError(path + ": header length " + std::to_string(header_size) + " is larger than the file (" +
                           std::to_string(bytes.size()) + " bytes); not a safetensors file or truncated");

  const json header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_size),
                                  nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) throw SafetensorsError(path + ": header is not valid JSON");
  if (!header.is_object()) throw SafetensorsError(path + ": header is not a JSON object");

  SafetensorsFile file;
  file.path = path;
  std::vector<TensorEntry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) throw SafetensorsError(path + ": __metadata__ is not a JSON object");
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) throw SafetensorsError(path + ": __metadata__ value " + mk + " is not a string");
        file.metadata[mk] = mv.get<std::string>();
      }
    } else {
      entries.push_back(parse_entry(path, key, value));
    }
  }

  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data()) + 8 + header_size;
  check_layout(path, entries, bytes.size() - 8 - header_size);
  for (const auto& t : entries) {
    LoadedTensor loaded;
    loaded.shape = t.shape;
    loaded.data.resize((t.end - t.begin) / dtype_bytes(t.dtype));
    convert_to_float(t.dtype, data + t.begin, loaded.data.size(), loaded.data.data());
    file.tensors.emplace(t.name, std::move(loaded));
  }
  return file;
}

void load_into(const SafetensorsFile& file, ParamBuffer& buffer, const std::string& prefix) {
  const auto& views = buffer.table->views();
  for (size_t i = 0; i < views.size(); ++i) {
    const std::string name = prefix + views[i].name;
    const auto it = file.tensors.find(name);
    if (it == file.tensors.end())
      throw SafetensorsError(file.path + ": tensor " + name + " is missing (the model expects shape " +
                             shape_text(views[i].shape) + ")");
    if (it->second.shape != views[i].shape)
      throw SafetensorsError(file.path + ": tensor " + name + " has shape " + shape_text(it->second.shape) +
                             ", the model expects " + shape_text(views[i].shape));
    std::copy(it->second.data.begin(), it->second.data.end(), buffer.view(i).begin());
  }
}

}  // namespace drumrnn
