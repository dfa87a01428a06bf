#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/atomic_file.h"
#include "ml/half_float.h"
#include "ml/param_table.h"
#include "ml/safetensors.h"
#include "test_support.h"

using namespace drumrnn;

namespace {

ParamTable small_table() {
  ParamTable t;
  t.add("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", {3, 8});
  t.add("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias", {8});
  t.add("fully_connected/weights", {2, 5});
  t.add("fully_connected/biases", {5});
  return t;
}

void fill(ParamBuffer& b) {
  for (size_t i = 0; i < b.data.size(); ++i) b.data[i] = std::sin(float(i) * 0.37f) * 3.0f;
}

std::string fixture(const std::string& name) { return std::string(DRUMRNN_SOURCE_DIR) + "/tests/fixtures/" + name; }

}  // namespace

TEST_CASE("safetensors round-trips a ParamBuffer with metadata", "[ml]") {
  test::TempDir dir;
  const ParamTable table = small_table();
  ParamBuffer params(table);
  fill(params);
  const std::map<std::string, std::string> meta{{"config", "drum_kit"}, {"hparams", "batch_size=64"}};
  save_safetensors(dir.str("model.safetensors"), named_tensors(params), meta);

  const std::string bytes = read_file(dir.str("model.safetensors"));
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  CHECK(header_size % 8 == 0);  // padded like the Python library: data starts 8-byte aligned
  CHECK(bytes.size() == 8 + header_size + table.total() * 4);
  CHECK(bytes.substr(8, 16) == "{\"__metadata__\":");
  // Table order, contiguous offsets.
  CHECK(bytes.find("cell_0/basic_lstm_cell/kernel") < bytes.find("fully_connected/biases"));
  CHECK(bytes.find("\"data_offsets\":[96,128]") != std::string::npos);

  const SafetensorsFile file = load_safetensors(dir.str("model.safetensors"));
  CHECK(file.metadata == meta);
  REQUIRE(file.tensors.size() == 4);
  CHECK(file.tensors.at("fully_connected/weights").shape == std::vector<size_t>{2, 5});

  ParamBuffer loaded(table);
  load_into(file, loaded);
  CHECK(loaded.data == params.data);  // bit-exact
}

TEST_CASE("safetensors prefixes keep several buffers in one file", "[ml]") {
  test::TempDir dir;
  const ParamTable table = small_table();
  ParamBuffer params(table), moments(table);
  fill(params);
  for (auto& v : moments.data) v = 0.25f;
  auto tensors = named_tensors(params);
  const auto more = named_tensors(moments, "adam_m/");
  tensors.insert(tensors.end(), more.begin(), more.end());
  save_safetensors(dir.str("state.safetensors"), tensors, {});

  const SafetensorsFile file = load_safetensors(dir.str("state.safetensors"));
  CHECK(file.metadata.empty());
  CHECK(file.tensors.size() == 8);
  ParamBuffer p(table), m(table);
  load_into(file, p);
  load_into(file, m, "adam_m/");
  CHECK(p.data == params.data);
  CHECK(m.data == moments.data);
}

TEST_CASE("safetensors load_into names the tensor on a missing tensor or a shape mismatch", "[ml]") {
  test::TempDir dir;
  ParamTable small;
  small.add("fully_connected/weights", {64, 512});
  ParamBuffer b(small);
  save_safetensors(dir.str("model.safetensors"), named_tensors(b), {});
  const SafetensorsFile file = load_safetensors(dir.str("model.safetensors"));

  ParamTable wider;
  wider.add("fully_connected/weights", {128, 512});
  ParamBuffer w(wider);
  CHECK_THROWS_WITH(load_into(file, w), dir.str("model.safetensors") +
                                            ": tensor fully_connected/weights has shape [64,512], the model "
                                            "expects [128,512]");
  ParamTable other;
  other.add("fully_connected/biases", {512});
  ParamBuffer o(other);
  CHECK_THROWS_WITH(load_into(file, o), Catch::Contains("tensor fully_connected/biases is missing"));
}

TEST_CASE("safetensors reads a file written by Python's safetensors library", "[ml]") {
  // Made by tests/fixtures/make_safetensors_fixture.py (safetensors 0.8.0, numpy 2.4).
  const SafetensorsFile file = load_safetensors(fixture("python_written.safetensors"));
  CHECK(file.metadata.at("config") == "drum_kit");
  CHECK(file.metadata.at("hparams") == "batch_size=64,rnn_layer_sizes=[64,64]");
  REQUIRE(file.tensors.size() == 4);

  const auto& w = file.tensors.at("fully_connected/weights");
  CHECK(w.shape == std::vector<size_t>{2, 3});
  for (size_t i = 0; i < 6; ++i) CHECK(w.data[i] == float(i) * 0.5f - 1.0f);

  const auto& b = file.tensors.at("fully_connected/biases");
  CHECK(b.shape == std::vector<size_t>{3});
  for (size_t i = 0; i < 3; ++i) CHECK(b.data[i] == 1.0f / float(i + 1));

  // F16 converted exactly: 1.0, -2.5, the subnormal 0x03ff and 0.1 rounded to half precision.
  const auto& h = file.tensors.at("half/values");
  CHECK(h.shape == std::vector<size_t>{2, 2});
  CHECK(h.data == std::vector<float>{1.0f, -2.5f, std::ldexp(1023.0f, -24), 0.0999755859375f});

  const auto& s = file.tensors.at("scalar");
  CHECK(s.shape.empty());
  CHECK(s.data == std::vector<float>{3.25f});
}

TEST_CASE("safetensors converts BF16 and F64", "[ml]") {
  test::TempDir dir;
  std::string data;
  const uint16_t bf16[2] = {0x3f80, 0xc040};  // 1.0, -3.0
  data.append(reinterpret_cast<const char*>(bf16), 4);
  const double f64[1] = {0.1};
  data.append(reinterpret_cast<const char*>(f64), 8);
  std::string header =
      R"({"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"F64","shape":[1],"data_offsets":[4,12]}})";
  uint64_t n = header.size();
  std::string bytes(reinterpret_cast<const char*>(&n), 8);
  test::write_bytes(dir.str("x.safetensors"), bytes + header + data);
  const SafetensorsFile file = load_safetensors(dir.str("x.safetensors"));
  CHECK(file.tensors.at("a").data == std::vector<float>{1.0f, -3.0f});
  CHECK(file.tensors.at("b").data == std::vector<float>{0.1f});
}

TEST_CASE("safetensors converts every F16 value exactly", "[ml]") {
  // All 65536 half values in one tensor; each must load as its exact float (the IEEE definition,
  // written out here independently) and convert back to the same bits.
  test::TempDir dir;
  std::string data(2 * 65536, '\0');
  for (uint32_t h = 0; h < 65536; ++h) {
    const uint16_t v = uint16_t(h);
    std::memcpy(&data[2 * h], &v, 2);
  }
  const std::string header = R"({"h":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}})";
  const uint64_t n = header.size();
  test::write_bytes(dir.str("h.safetensors"), std::string(reinterpret_cast<const char*>(&n), 8) + header + data);
  const std::vector<float> values = load_safetensors(dir.str("h.safetensors")).tensors.at("h").data;
  REQUIRE(values.size() == 65536);
  int wrong = 0, not_round_trip = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    const int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    const float sign = (h & 0x8000) ? -1.0f : 1.0f;
    const float got = values[h];
    if (exponent == 31) {
      wrong += mantissa ? !std::isnan(got) : got != sign * std::numeric_limits<float>::infinity();
      if (mantissa) continue;  // NaN payloads need not survive
    } else {
      const float want = exponent == 0 ? sign * std::ldexp(float(mantissa), -24)
                                       : sign * std::ldexp(float(mantissa | 0x400), exponent - 25);
      wrong += std::memcmp(&got, &want, 4) != 0;  // bitwise: keeps -0.0 apart from 0.0
    }
    not_round_trip += float_to_half(got) != h;
  }
  CHECK(wrong == 0);
  CHECK(not_round_trip == 0);
  // Rounding to nearest even on the way to half.
  CHECK(float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);  // halfway: to even (down)
  CHECK(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);  // halfway: to even (up)
  CHECK(float_to_half(70000.0f) == 0x7c00);  // overflow: +Inf
}

TEST_CASE("safetensors truncated at every length throws SafetensorsError", "[ml]") {
  test::TempDir dir;
  ParamTable table;
  table.add("w", {2, 3});
  table.add("b", {3});
  ParamBuffer params(table);
  fill(params);
  save_safetensors(dir.str("full.safetensors"), named_tensors(params), {{"k", "v"}});
  const std::string bytes = read_file(dir.str("full.safetensors"));
  for (size_t len = 0; len < bytes.size(); ++len) {
    INFO("truncated to " << len << " of " << bytes.size() << " bytes");
    test::write_bytes(dir.str("cut.safetensors"), bytes.substr(0, len));
    CHECK_THROWS_AS(load_safetensors(dir.str("cut.safetensors")), SafetensorsError);
  }
  // Extra bytes after the last tensor are not covered by any tensor either.
  test::write_bytes(dir.str("long.safetensors"), bytes + "x");
  CHECK_THROWS_AS(load_safetensors(dir.str("long.safetensors")), SafetensorsError);
}

TEST_CASE("safetensors garbage headers throw SafetensorsError with the file name", "[ml]") {
  test::TempDir dir;
  const std::string path = dir.str("bad.safetensors");
  auto with_header = [&](const std::string& header, const std::string& data = std::string(12, '\0')) {
    uint64_t n = header.size();
    test::write_bytes(path, std::string(reinterpret_cast<const char*>(&n), 8) + header + data);
  };
  auto check_rejected = [&](const std::string& why) {
    INFO(why);
    CHECK_THROWS_AS(load_safetensors(path), SafetensorsError);
    CHECK_THROWS_WITH(load_safetensors(path), Catch::StartsWith(path + ": "));
  };

  test::write_bytes(path, std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}");
  check_rejected("header length larger than the file");
  with_header("{\"a\":");
  check_rejected("invalid JSON");
  with_header("[1,2,3]");
  check_rejected("header not an object");
  with_header(R"({"a":{"dtype":"I8","shape":[12],"data_offsets":[0,12]}})");
  check_rejected("unknown dtype");
  with_header(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})");
  check_rejected("offsets do not match shape x dtype");
  with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})");
  check_rejected("overlapping offsets");
  with_header(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[3],"data_offsets":[12,24]}})");
  check_rejected("offsets past the data");
  with_header(R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,12]}})");
  check_rejected("shape product overflows");
  with_header(R"({"a":{"dtype":"F32","shape":[-3],"data_offsets":[0,12]}})");
  check_rejected("negative dimension");
  with_header(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0]}})");
  check_rejected("one offset");
  with_header(R"({"a":"F32"})");
  check_rejected("entry not an object");
  with_header(R"({"__metadata__":{"k":1}})", "");
  check_rejected("metadata value not a string");

  // Random bytes after a plausible length: must throw, never crash.
  uint32_t state = 12345;
  for (int trial = 0; trial < 200; ++trial) {
    std::string header;
    const size_t n = 1 + trial % 40;
    for (size_t i = 0; i < n; ++i) {
      state = state * 1664525u + 1013904223u;
      header += static_cast<char>(state >> 24);
    }
    if (trial % 2) header[0] = '{';
    with_header(header);
    CHECK_THROWS_AS(load_safetensors(path), SafetensorsError);
  }
}
