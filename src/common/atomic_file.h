// Writes a file so that a reader (or a crash) never sees half of it: the bytes go to a temp file
// beside the target, which is fsync'ed and renamed over the target only on commit().
#pragma once
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace drumrnn {

struct IoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class AtomicFile {
 public:
  // Opens "<path>.tmp.<pid>" for writing; throws IoError naming `path` if that fails.
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // an uncommitted file is removed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  void commit();  // flush, fsync, rename over the target
  const std::string& path() const { return path_; }

 private:
  std::string path_, temp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

// Whole-file helpers that go through AtomicFile / fread, throwing IoError with the path.
void write_file_atomic(const std::string& path, std::string_view bytes);
std::string read_file(const std::string& path);

}  // namespace drumrnn
