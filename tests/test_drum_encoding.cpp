#include <catch2/catch.hpp>

#include "independent_reader.h"
#include "music/drum_encoding.h"
#include "music/sequence_example.h"

using namespace drumrnn;

static const DrumConfig& kit() { return drum_config("drum_kit"); }
static const DrumConfig& one() { return drum_config("one_drum"); }

TEST_CASE("drum_kit encodes pitch sets to class bitmasks (facts 10.1)", "[music]") {
  const std::vector<std::pair<PitchSet, int>> cases = {
      {{}, 0},         {{36}, 1},         {{35}, 1},          {{38}, 2},   {{42}, 4},
      {{46}, 8},       {{45}, 16},        {{48}, 32},         {{50}, 64},  {{49}, 128},
      {{51}, 256},     {{36, 42}, 5},     {{35, 51, 59}, 257}, {{40, 44}, 6},
      {{36, 38, 42, 46, 45, 48, 50, 49, 51}, 511}, {{0}, 0}, {{127}, 0}, {{36, 1}, 1}};
  for (const auto& [event, index] : cases) CHECK(encode_drum_event(kit(), event) == index);
}

TEST_CASE("drum_kit decodes classes to each class's first pitch (facts 10.1)", "[music]") {
  CHECK(decode_drum_class(kit(), 0) == PitchSet{});
  CHECK(decode_drum_class(kit(), 3) == PitchSet{36, 38});
  CHECK(decode_drum_class(kit(), 129) == PitchSet{36, 49});
  CHECK(decode_drum_class(kit(), 256) == PitchSet{51});
  CHECK(decode_drum_class(kit(), 511) == PitchSet{36, 38, 42, 45, 46, 48, 49, 50, 51});
  for (int c = 0; c < 512; ++c) CHECK(encode_drum_event(kit(), decode_drum_class(kit(), c)) == c);
}

TEST_CASE("drum_kit inputs: one-hot, counters of position+1 as +-1, labels shifted by one (facts 10.2)", "[music]") {
  const std::vector<PitchSet> events = {{36, 42}, {}, {42}, {}, {38, 42}, {}, {42}, {36}};
  const EncodedSequence seq = encode_drum_track(kit(), events);
  REQUIRE(seq.steps() == 7);
  REQUIRE(seq.input_size == 518);
  const int hot[7] = {5, 0, 4, 0, 6, 0, 4};
  const int64_t labels[7] = {0, 4, 0, 6, 0, 4, 1};
  for (int p = 0; p < 7; ++p) {
    const float* in = seq.inputs.data() + p * 518;
    for (int i = 0; i < 512; ++i) REQUIRE(in[i] == (i == hot[p] ? 1.0f : 0.0f));
    for (int b = 0; b < 6; ++b) CHECK(in[512 + b] == ((((p + 1) >> b) & 1) ? 1.0f : -1.0f));
    CHECK(seq.labels[p] == labels[p]);
  }
  std::vector<float> v(518);
  drum_input_vector_from_class(kit(), 0, 63, v.data());
  for (int b = 0; b < 6; ++b) CHECK(v[512 + b] == -1.0f);  // n = 64 wraps to all -1
  drum_input_vector_from_class(kit(), 0, 64, v.data());
  CHECK(v[512] == 1.0f);
}

TEST_CASE("one_drum: silence vs any drum, decoded as 39 (facts 10.2)", "[music]") {
  const std::vector<PitchSet> events = {{36, 42}, {}, {42}, {}, {38, 42}, {}, {42}, {36}};
  const EncodedSequence seq = encode_drum_track(one(), events);
  REQUIRE(seq.input_size == 2);
  const int64_t labels[7] = {0, 1, 0, 1, 0, 1, 1};
  for (int p = 0; p < 7; ++p) {
    CHECK(seq.inputs[2 * p + (p % 2 == 0 ? 1 : 0)] == 1.0f);
    CHECK(seq.inputs[2 * p + (p % 2 == 0 ? 0 : 1)] == 0.0f);
    CHECK(seq.labels[p] == labels[p]);
  }
  CHECK(decode_drum_class(one(), 1) == PitchSet{39});
  CHECK(decode_drum_class(one(), 0).empty());
  CHECK(one().steps_per_quarter == 2);
}

TEST_CASE("an unknown config is a clear error", "[music]") {
  REQUIRE_THROWS_AS(drum_config("drum_set"), UnknownConfigError);
  REQUIRE_THROWS_WITH(drum_config("drum_set"), Catch::Contains("drum_set"));
}

TEST_CASE("SequenceExample bytes match Magenta's (facts 10.11) and parse back", "[music]") {
  EncodedSequence seq;
  seq.input_size = 2;
  seq.inputs = {1, 0, 0, 1};
  seq.labels = {1, 0};
  const std::string bytes = sequence_example_serialize(seq);
  static const char* d = "0123456789abcdef";
  std::string h;
  for (unsigned char c : bytes) h += {d[c >> 4], d[c & 15]};
  CHECK(h ==
        "12420a260a06696e70757473121c0a0c120a0a080000803f000000000a0c120a0a08000000000000803f0a180a066c6162656c73"
        "120e0a051a030a01010a051a030a0100");
  const EncodedSequence back = sequence_example_parse(bytes);
  CHECK(back.inputs == seq.inputs);
  CHECK(back.labels == seq.labels);
}

TEST_CASE("a full-size drum_kit SequenceExample decodes independently", "[music]") {
  std::vector<PitchSet> events;
  for (int i = 0; i < 513; ++i) events.push_back(i % 3 ? PitchSet{} : PitchSet{36, 51});
  const EncodedSequence seq = encode_drum_track(kit(), events);
  const auto ex = test::decode_sequence_example(sequence_example_serialize(seq));
  REQUIRE(ex.labels.size() == 512);
  REQUIRE(ex.inputs.size() == 512);
  for (size_t i = 0; i < 512; ++i) {
    REQUIRE(ex.inputs[i].size() == 518);
    CHECK(ex.labels[i] == seq.labels[i]);
    CHECK(std::equal(ex.inputs[i].begin(), ex.inputs[i].end(), seq.inputs.begin() + i * 518));
  }
  // The protobuf library reads it too; bytes that are not a SequenceExample are rejected.
  CHECK(sequence_example_parse(sequence_example_serialize(seq)).labels == seq.labels);
  CHECK_THROWS_AS(sequence_example_parse("garbage\xff\xff"), SequenceExampleError);
}

TEST_CASE("SequenceExamples with 'labels' before 'inputs' (Magenta's other byte order) parse the same", "[music]") {
  // facts §12: Magenta writes the feature_lists map in either order; this is §10.11 with labels first.
  const std::string hex =
      "12420a180a066c6162656c73120e0a051a030a01010a051a030a01000a260a06696e70757473121c0a0c120a0a080000803f00000000"
      "0a0c120a0a08000000000000803f";
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2) bytes.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
  const EncodedSequence seq = sequence_example_parse(bytes);
  CHECK(seq.input_size == 2);
  CHECK(seq.inputs == std::vector<float>{1, 0, 0, 1});
  CHECK(seq.labels == std::vector<int64_t>{1, 0});
}
