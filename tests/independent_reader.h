// A TFRecord + protobuf reader written for the tests only, sharing no code with the writers:
// bit-by-bit CRC32C and a hand walk of the wire format. It checks what drumrnn writes the way
// TensorFlow would, without TensorFlow.
#pragma once
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace drumrnn::test {

inline uint32_t slow_crc32c(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char byte : s) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

inline uint32_t slow_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u; }

// All records of a TFRecord file; throws on any CRC mismatch or truncation.
inline std::vector<std::string> read_records_independently(const std::string& bytes) {
  std::vector<std::string> out;
  size_t pos = 0;
  auto u32 = [&](size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(bytes[at + i])) << (8 * i);
    return v;
  };
  while (pos < bytes.size()) {
    if (pos + 12 > bytes.size()) throw std::runtime_error("truncated header");
    uint64_t len = 0;
    for (int i = 0; i < 8; ++i) len |= uint64_t(uint8_t(bytes[pos + i])) << (8 * i);
    if (slow_mask(slow_crc32c(bytes.substr(pos, 8))) != u32(pos + 8)) throw std::runtime_error("bad length crc");
    if (pos + 12 + len + 4 > bytes.size()) throw std::runtime_error("truncated data");
    std::string data = bytes.substr(pos + 12, len);
    if (slow_mask(slow_crc32c(data)) != u32(pos + 12 + len)) throw std::runtime_error("bad data crc");
    out.push_back(std::move(data));
    pos += 12 + len + 4;
  }
  return out;
}

// Minimal protobuf wire walker.
struct WireField {
  int number;
  int wire_type;
  uint64_t varint = 0;
  std::string bytes;  // length-delimited payload, or the raw 4/8 bytes of fixed fields
};

inline std::vector<WireField> wire_fields(const std::string& msg) {
  std::vector<WireField> out;
  size_t pos = 0;
  auto varint = [&]() {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (pos >= msg.size() || shift > 63) throw std::runtime_error("bad varint");
      uint8_t b = uint8_t(msg[pos++]);
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (pos < msg.size()) {
    uint64_t key = varint();
    WireField f{int(key >> 3), int(key & 7)};
    switch (f.wire_type) {
      case 0: f.varint = varint(); break;
      case 1: f.bytes = msg.substr(pos, 8); pos += 8; break;
      case 5: f.bytes = msg.substr(pos, 4); pos += 4; break;
      case 2: {
        uint64_t n = varint();
        if (pos + n > msg.size()) throw std::runtime_error("bad length");
        f.bytes = msg.substr(pos, n);
        pos += n;
        break;
      }
      default: throw std::runtime_error("bad wire type");
    }
    if (pos > msg.size()) throw std::runtime_error("truncated field");
    out.push_back(std::move(f));
  }
  return out;
}

// SequenceExample -> (inputs per step, labels).
struct DecodedExample {
  std::vector<std::vector<float>> inputs;
  std::vector<int64_t> labels;
};

inline DecodedExample decode_sequence_example(const std::string& msg) {
  DecodedExample ex;
  for (const auto& top : wire_fields(msg)) {
    if (top.number != 2) continue;  // feature_lists
    for (const auto& entry : wire_fields(top.bytes)) {
      std::string key, list;
      for (const auto& kv : wire_fields(entry.bytes)) (kv.number == 1 ? key : list) = kv.bytes;
      for (const auto& feature : wire_fields(list)) {
        for (const auto& kind : wire_fields(feature.bytes)) {
          for (const auto& values : wire_fields(kind.bytes)) {
            if (key == "inputs" && kind.number == 2) {
              std::vector<float> v(values.bytes.size() / 4);
              for (size_t i = 0; i < v.size(); ++i) std::memcpy(&v[i], values.bytes.data() + 4 * i, 4);
              ex.inputs.push_back(std::move(v));
            } else if (key == "labels" && kind.number == 3) {
              ex.labels.push_back(int64_t(wire_fields(std::string("\x08", 1) + values.bytes)[0].varint));
            }
          }
        }
      }
    }
  }
  return ex;
}

}  // namespace drumrnn::test
