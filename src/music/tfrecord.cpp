#include "music/tfrecord.h"

#include <cerrno>
#include <cstring>

#include "common/crc32c.h"

namespace drumrnn {
namespace {

void put_u32(std::string& out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 4);
}

uint32_t get_u32(const unsigned char* b) {
  return uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
}

}  // namespace

void tfrecord_frame(std::string_view payload, std::string& out) {
  char len[8];
  uint64_t n = payload.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>(n >> (8 * i));
  out.append(len, 8);
  put_u32(out, crc32c_mask(crc32c(len, 8)));
  out.append(payload);
  put_u32(out, crc32c_mask(crc32c(payload.data(), payload.size())));
}

void TfRecordWriter::write(std::string_view payload) {
  std::string framed;
  framed.reserve(payload.size() + 16);
  tfrecord_frame(payload, framed);
  file_.write(framed);
  ++records_;
}

TfRecordReader::TfRecordReader(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw IoError("cannot read " + path + ": " + std::strerror(errno));
}

TfRecordReader::~TfRecordReader() {
  if (file_) std::fclose(file_);
}

bool TfRecordReader::next(std::string& payload) {
  unsigned char head[12];
  size_t got = std::fread(head, 1, 12, file_);
  if (got == 0) return false;
  auto fail = [&](const char* why) {
    return TfRecordError(path_ + ": record " + std::to_string(index_) + ": " + why);
  };
  if (got != 12) throw fail("truncated header");
  if (crc32c_mask(crc32c(head, 8)) != get_u32(head + 8)) throw fail("length CRC mismatch");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(head[i]) << (8 * i);
  if (n > (uint64_t(1) << 34)) throw fail("implausible record length");
  payload.resize(n);
  unsigned char tail[4];
  if (std::fread(payload.data(), 1, n, file_) != n || std::fread(tail, 1, 4, file_) != 4)
    throw fail("truncated record");
  if (crc32c_mask(crc32c(payload.data(), n)) != get_u32(tail)) throw fail("data CRC mismatch");
  ++index_;
  return true;
}

}  // namespace drumrnn
