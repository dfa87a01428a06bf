#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "common/crc32c.h"
#include "independent_reader.h"
#include "music/tfrecord.h"
#include "test_support.h"

using namespace drumrnn;

static std::string hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) out += {d[c >> 4], d[c & 15]};
  return out;
}

TEST_CASE("crc32c matches the Castagnoli check values", "[music]") {
  CHECK(crc32c("123456789", 9) == 0xE3069283u);
  const std::string zeros(32, '\0');
  CHECK(crc32c(zeros.data(), zeros.size()) == 0x8A9136AAu);
  CHECK(crc32c_mask(0x8A9136AAu) == 0x0FD7FFFAu);
  CHECK(crc32c_unmask(crc32c_mask(0x12345678u)) == 0x12345678u);
  // Long unaligned input: the hardware and table paths must agree with the bitwise reference.
  std::string big;
  for (int i = 0; i < 10007; ++i) big.push_back(char(i * 31 + 7));
  CHECK(crc32c(big.data() + 3, big.size() - 3) == test::slow_crc32c(big.substr(3)));
}

TEST_CASE("TFRecord framing matches TensorFlow's bytes (facts 10.10)", "[music]") {
  std::string out;
  tfrecord_frame("", out);
  CHECK(hex(out) == "000000000000000029039807d8ea82a2");
  out.clear();
  tfrecord_frame("hello", out);
  CHECK(hex(out) == "0500000000000000eab2043e68656c6c6fbb1f1c19");
}

TEST_CASE("TFRecord writer and reader round-trip - corruption is reported with the record index", "[music]") {
  test::TempDir dir;
  const std::string path = dir.str("r.tfrecord");
  {
    TfRecordWriter w(path);
    w.write("first");
    w.write(std::string(100000, 'x'));
    w.write("");
    w.commit();
  }
  TfRecordReader r(path);
  std::string p;
  REQUIRE(r.next(p));
  CHECK(p == "first");
  REQUIRE(r.next(p));
  CHECK(p.size() == 100000);
  REQUIRE(r.next(p));
  CHECK(p.empty());
  CHECK_FALSE(r.next(p));

  std::string bytes;
  {
    std::ifstream f(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  CHECK(test::read_records_independently(bytes).size() == 3);
  bytes[12 + 5 + 4 + 12 + 50] ^= 1;  // a byte inside record 1's data
  test::write_bytes(path, bytes);
  TfRecordReader bad(path);
  REQUIRE(bad.next(p));
  REQUIRE_THROWS_WITH(bad.next(p), Catch::Contains("record 1") && Catch::Contains("data CRC"));

  test::write_bytes(path, bytes.substr(0, 30));
  TfRecordReader cut(path);
  REQUIRE(cut.next(p));
  REQUIRE_THROWS_WITH(cut.next(p), Catch::Contains("truncated"));
}

TEST_CASE("an uncommitted TFRecord writer leaves no file behind", "[music]") {
  test::TempDir dir;
  const std::string path = dir.str("never.tfrecord");
  {
    TfRecordWriter w(path);
    w.write("half");
  }
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(std::filesystem::is_empty(dir.path()));
}
