// The whole pipeline on the real Groove MIDI Dataset (../shared/data/groove), when it is present.
// Magenta's own pipeline gives these figures on the same files (facts §12): 1,150 NoteSequences,
// 1,155 drum tracks of which 752 are too short and 228 truncated: 403 examples, 163,260 steps.
#include <catch2/catch.hpp>
#include <regex>

#include "common/atomic_file.h"
#include "independent_reader.h"
#include "music/sequence_example.h"
#include "music/tfrecord.h"
#include "test_support.h"

using namespace drumrnn;

static int64_t stat_value(const std::string& out, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(name + ": (\\d+)"))) return -1;
  return std::stoll(m[1]);
}

TEST_CASE("Groove: convert + create-dataset give Magenta's counts and honour --eval_ratio", "[groove]") {
  const std::string groove = test::groove_dir();
  if (groove.empty()) return test::skip_test("../shared/data/groove is absent (see README: Groove MIDI Dataset)");
  test::TempDir dir;
  auto r = test::run_drumrnn({"convert", "--input_dir", groove, "--output_file", dir.str("notes.tfrecord"), "--recursive"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("converted 1150 of 1150 MIDI files (0 failed)"));

  r = test::run_drumrnn({"create-dataset", "--config", "drum_kit", "--input", dir.str("notes.tfrecord"), "--output_dir",
                         dir.str("drums"), "--eval_ratio", "0.10", "--seed", "1"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("Processed 1150 inputs total. Produced 403 outputs."));
  const int64_t eval_inputs = stat_value(r.out, "DAGPipeline_RandomPartition_eval_drum_tracks_count");
  const int64_t train_inputs = stat_value(r.out, "DAGPipeline_RandomPartition_training_drum_tracks_count");
  CHECK(eval_inputs + train_inputs == 1150);
  // 10% of 1,150 is 115; three standard deviations of the binomial are about 30.
  CHECK(eval_inputs >= 85);
  CHECK(eval_inputs <= 145);
  CHECK(stat_value(r.out, "DAGPipeline_DrumsExtractor_training_drum_tracks_discarded_too_short") +
            stat_value(r.out, "DAGPipeline_DrumsExtractor_eval_drum_tracks_discarded_too_short") ==
        752);
  CHECK(stat_value(r.out, "DAGPipeline_DrumsExtractor_training_drum_tracks_truncated") +
            stat_value(r.out, "DAGPipeline_DrumsExtractor_eval_drum_tracks_truncated") ==
        228);

  size_t examples = 0, steps = 0;
  // The eval file is checked by the independent reader (bitwise CRCs, hand-decoded protobuf)...
  for (const auto& rec : test::read_records_independently(read_file(dir.str("drums/eval_drum_tracks.tfrecord")))) {
    const auto ex = test::decode_sequence_example(rec);
    REQUIRE(ex.inputs.size() == ex.labels.size());
    REQUIRE(ex.labels.size() <= 511);
    for (const auto& in : ex.inputs) REQUIRE(in.size() == 518);
    ++examples;
    steps += ex.labels.size();
  }
  // ...and the larger training file by the library reader, which also verifies every CRC.
  TfRecordReader reader(dir.str("drums/training_drum_tracks.tfrecord"));
  std::string payload;
  while (reader.next(payload)) {
    const EncodedSequence seq = sequence_example_parse(payload);
    REQUIRE(seq.input_size == 518);
    ++examples;
    steps += seq.steps();
  }
  CHECK(examples == 403);
  CHECK(steps == 163260);
}

TEST_CASE("Groove: one_drum straight from the MIDI folder", "[groove]") {
  const std::string groove = test::groove_dir();
  if (groove.empty()) return test::skip_test("../shared/data/groove is absent (see README: Groove MIDI Dataset)");
  test::TempDir dir;
  const auto r = test::run_drumrnn({"create-dataset", "--config", "one_drum", "--input", groove, "--output_dir",
                                    dir.str("one"), "--eval_ratio", "0", "--seed", "3"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("Processed 1150 inputs total."));
  TfRecordReader reader(dir.str("one/training_drum_tracks.tfrecord"));
  std::string payload;
  size_t examples = 0;
  while (reader.next(payload)) {
    const EncodedSequence seq = sequence_example_parse(payload);
    REQUIRE(seq.input_size == 2);
    for (auto label : seq.labels) REQUIRE((label == 0 || label == 1));
    ++examples;
  }
  CHECK(examples > 300);
}

TEST_CASE("Groove: training on a subset lowers the eval loss", "[groove][ml]") {
  const std::string groove = test::groove_dir();
  if (groove.empty()) return test::skip_test("../shared/data/groove is absent (see README: Groove MIDI Dataset)");
  test::TempDir dir;
  // drummer1's sessions: a few dozen performances; a random 25% is the eval split.
  auto r = test::run_drumrnn({"create-dataset", "--input", groove + "/drummer1", "--output_dir", dir.str("ds"),
                              "--eval_ratio", "0.25", "--seed", "4"});
  REQUIRE(r.status == 0);
  const std::string train = dir.str("ds/training_drum_tracks.tfrecord"), eval = dir.str("ds/eval_drum_tracks.tfrecord");
  const std::string hparams = "batch_size=16,rnn_layer_sizes=[32],dropout_keep_prob=1.0,learning_rate=0.005";
  r = test::run_drumrnn({"train", "--run_dir", dir.str("run"), "--sequence_example_file", train, "--hparams", hparams,
                         "--num_training_steps", "1", "--seed", "1"});
  REQUIRE(r.status == 0);
  auto eval_loss = [&] {
    const auto e = test::run_drumrnn({"evaluate", "--run_dir", dir.str("run"), "--sequence_example_file", eval, "--json"});
    REQUIRE(e.status == 0);
    std::smatch m;
    REQUIRE(std::regex_search(e.out, m, std::regex("\"loss\":([0-9.eE+-]+)")));
    return std::stod(m[1]);
  };
  const double before = eval_loss();
  r = test::run_drumrnn({"train", "--run_dir", dir.str("run"), "--sequence_example_file", train, "--hparams", hparams,
                         "--num_training_steps", "60", "--seed", "1"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  const double after = eval_loss();
  INFO("eval loss " << before << " -> " << after);
  CHECK(after < before - 1.0);
}
