#include "ml/tf_table.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/crc32c.h"

namespace drumrnn {
namespace {

constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr size_t kFooterSize = 48;       // two handles padded to 40 bytes + 8 bytes of magic
constexpr size_t kBlockTrailerSize = 5;  // type byte + masked CRC32C
constexpr size_t kBlockSize = 262144;    // TensorFlow's table::Options default
constexpr int kRestartInterval = 16;

void put_fixed32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(char(v >> (8 * i)));
}
void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(v | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}
uint32_t get_fixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);  // little-endian hosts only (as the rest of drumrnn)
  return v;
}

struct Handle {
  uint64_t offset = 0, size = 0;
};

class Reader {
 public:
  Reader(const std::string& bytes, const std::string& path) : bytes_(bytes), path_(path) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw TfFormatError(path_ + ": not a valid TensorFlow table (" + what + ")");
  }

  uint64_t varint(const char*& p, const char* end) const {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) fail("truncated varint");
      const uint8_t b = uint8_t(*p++);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("overlong varint");
  }

  Handle handle(const char*& p, const char* end) const {
    Handle h;
    h.offset = varint(p, end);
    h.size = varint(p, end);
    return h;
  }

  // The block's contents, after checking bounds, type and CRC.
  std::string_view block(const Handle& h, const char* what) const {
    if (h.offset > bytes_.size() || h.size > bytes_.size() - h.offset ||
        bytes_.size() - h.offset - h.size < kBlockTrailerSize)
      fail(std::string(what) + " block lies outside the file: truncated?");
    const char* data = bytes_.data() + h.offset;
    const uint8_t type = uint8_t(data[h.size]);
    const uint32_t stored = crc32c_unmask(get_fixed32(data + h.size + 1));
    if (crc32c(data, h.size + 1) != stored) fail(std::string(what) + " block CRC mismatch: the file is corrupt");
    if (type != 0) fail(std::string(what) + " block is compressed (type " + std::to_string(type) + "), unsupported");
    return {data, size_t(h.size)};
  }

  // Appends the block's entries; keys must ascend across all calls.
  void entries(std::string_view b, const char* what, TfTableEntries& out) const {
    if (b.size() < 4) fail(std::string(what) + " block too short");
    const uint32_t restarts = get_fixed32(b.data() + b.size() - 4);
    if (restarts == 0 || uint64_t(restarts) * 4 + 4 > b.size()) fail(std::string(what) + " block has bad restarts");
    const char* p = b.data();
    const char* end = b.data() + b.size() - 4 * (size_t(restarts) + 1);
    std::string key;
    while (p < end) {
      const uint64_t shared = varint(p, end), unshared = varint(p, end), value_size = varint(p, end);
      if (shared > key.size() || unshared > size_t(end - p) || value_size > size_t(end - p) - unshared)
        fail(std::string(what) + " block entry out of bounds");
      key.resize(shared);
      key.append(p, unshared);
      p += unshared;
      if (!out.empty() && !(out.back().first < key)) fail("keys out of order");
      out.emplace_back(key, std::string(p, value_size));
      p += value_size;
    }
  }

  TfTableEntries read() const {
    if (bytes_.size() < kFooterSize) fail("shorter than its footer: truncated?");
    const char* footer = bytes_.data() + bytes_.size() - kFooterSize;
    const uint64_t magic = uint64_t(get_fixed32(footer + 40)) | uint64_t(get_fixed32(footer + 44)) << 32;
    if (magic != kTableMagic) fail("bad magic number: truncated or not a checkpoint?");
    const char* p = footer;
    handle(p, footer + 40);  // the metaindex: TensorFlow keeps nothing there
    const Handle index = handle(p, footer + 40);
    TfTableEntries index_entries, out;
    entries(block(index, "index"), "index", index_entries);
    for (const auto& [key, value] : index_entries) {
      const char* v = value.data();
      const Handle h = handle(v, value.data() + value.size());
      entries(block(h, "data"), "data", out);
    }
    return out;
  }

 private:
  const std::string& bytes_;
  const std::string& path_;
};

class BlockBuilder {
 public:
  void add(const std::string& key, const std::string& value, int restart_interval) {
    size_t shared = 0;
    if (counter_ < restart_interval) {
      const size_t n = std::min(last_key_.size(), key.size());
      while (shared < n && last_key_[shared] == key[shared]) ++shared;
    } else {
      restarts_.push_back(uint32_t(buffer_.size()));
      counter_ = 0;
    }
    put_varint(buffer_, shared);
    put_varint(buffer_, key.size() - shared);
    put_varint(buffer_, value.size());
    buffer_.append(key, shared);
    buffer_ += value;
    last_key_ = key;
    ++counter_;
  }
  size_t estimated_size() const { return buffer_.size() + 4 * (restarts_.size() + 1); }
  bool empty() const { return buffer_.empty(); }
  std::string finish() {
    std::string out = std::move(buffer_);
    for (uint32_t r : restarts_) put_fixed32(out, r);
    put_fixed32(out, uint32_t(restarts_.size()));
    *this = BlockBuilder();
    return out;
  }

 private:
  std::string buffer_, last_key_;
  std::vector<uint32_t> restarts_{0};
  int counter_ = 0;
};

// Appends the block and its trailer to `file`; returns its handle.
Handle write_block(std::string& file, const std::string& contents) {
  Handle h{file.size(), contents.size()};
  file += contents;
  file.push_back(0);  // no compression
  put_fixed32(file, crc32c_mask(crc32c(file.data() + h.offset, contents.size() + 1)));
  return h;
}

std::string encode(const Handle& h) {
  std::string out;
  put_varint(out, h.offset);
  put_varint(out, h.size);
  return out;
}

}  // namespace

TfTableEntries read_tf_table(const std::string& bytes, const std::string& path) { return Reader(bytes, path).read(); }

std::string write_tf_table(TfTableEntries entries) {
  std::sort(entries.begin(), entries.end());
  std::string file;
  BlockBuilder data, index;
  // An index key only has to sort at or after its block's last key and before the next block's
  // first: the last key itself does (TensorFlow shortens it; either reads the same).
  for (size_t i = 0; i < entries.size(); ++i) {
    data.add(entries[i].first, entries[i].second, kRestartInterval);
    if (data.estimated_size() >= kBlockSize || i + 1 == entries.size())
      index.add(entries[i].first, encode(write_block(file, data.finish())), 1);
  }
  const Handle metaindex = write_block(file, BlockBuilder().finish());
  const Handle index_handle = write_block(file, index.finish());
  std::string footer = encode(metaindex) + encode(index_handle);
  footer.resize(40, '\0');
  put_fixed32(footer, uint32_t(kTableMagic));
  put_fixed32(footer, uint32_t(kTableMagic >> 32));
  return file + footer;
}

}  // namespace drumrnn
