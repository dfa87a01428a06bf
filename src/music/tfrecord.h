// TFRecord files: records framed as  u64 length | u32 masked_crc32c(length) | data | u32 masked_crc32c(data),
// all little-endian, as TensorFlow's RecordWriter writes them (facts §6).
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "common/atomic_file.h"

namespace drumrnn {

struct TfRecordError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Appends the framing of one record to `out` (used by writers that build a buffer off-thread).
void tfrecord_frame(std::string_view payload, std::string& out);

// Writes records to a temp file and renames it into place on commit(); dropping the writer without
// commit() leaves no file behind.
class TfRecordWriter {
 public:
  explicit TfRecordWriter(const std::string& path) : file_(path) {}
  void write(std::string_view payload);
  void write_framed(std::string_view framed) { file_.write(framed); }  // from tfrecord_frame()
  void commit() { file_.commit(); }
  uint64_t records() const { return records_; }

 private:
  AtomicFile file_;
  uint64_t records_ = 0;
};

// Reads records one by one, verifying both CRCs. Throws TfRecordError naming the file and the
// record index on a bad CRC or a truncated record.
class TfRecordReader {
 public:
  explicit TfRecordReader(const std::string& path);
  ~TfRecordReader();
  bool next(std::string& payload);  // false at a clean end of file
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t index_ = 0;
};

}  // namespace drumrnn
