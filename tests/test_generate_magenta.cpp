// drumrnn generate with Magenta's models, through the built binary: a .mag bundle (--bundle_file), a
// TF run directory (--run_dir) or checkpoint prefix (--checkpoint_file), --save_generator_bundle,
// and the config taken from the model. Fixtures: tests/fixtures/magenta (make_magenta_fixture.sh).
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "generator.pb.h"
#include "ml/magenta_bundle.h"
#include "music/midi_io.h"
#include "magenta_fixtures.h"
#include "test_support.h"
#include "train_fixtures.h"

using namespace drumrnn;
namespace fs = std::filesystem;

namespace {

using namespace test::magenta;

// drumrnn generate `args` --output_dir `out` --num_outputs `n` --num_steps 48 --seed `seed`.
test::RunResult generate(std::vector<std::string> args, const std::string& out, int n = 2, int seed = 7) {
  args.insert(args.begin(), "generate");
  for (const std::string& a : {std::string("--output_dir"), out, std::string("--num_outputs"), std::to_string(n),
                               std::string("--num_steps"), std::string("48"), std::string("--seed"), std::to_string(seed)})
    args.push_back(a);
  return test::run_drumrnn(args);
}

// The bytes of the .mid files in `dir`, in name order (the names hold the time, the bytes do not).
std::vector<std::string> midi_bytes(const std::string& dir) {
  std::vector<std::string> out;
  for (const std::string& name : test::files_in(dir, ".mid")) out.push_back(read_file((fs::path(dir) / name).string()));
  return out;
}

// Generates with `args`, checks that it wrote `n` readable MIDI files, and returns their bytes.
std::vector<std::string> generated(const std::vector<std::string>& args, const std::string& out, int n = 2, int seed = 7) {
  const auto r = generate(args, out, n, seed);
  INFO(r.out);
  REQUIRE(r.status == 0);
  const auto files = midi_bytes(out);
  REQUIRE(files.size() == size_t(n));
  for (const std::string& name : test::files_in(out, ".mid"))
    CHECK(midi_file_to_note_sequence((fs::path(out) / name).string()).notes_size() > 0);
  return files;
}

// A failed generate: one line naming `needle`, non-zero, and no output folder.
void check_refused(const std::vector<std::string>& args, const std::string& needle, const test::TempDir& dir) {
  const auto r = generate(args, dir.str("refused"));
  test::check_one_line_error(r, needle);
  CHECK_FALSE(fs::exists(dir.str("refused")));
}

}  // namespace

TEST_CASE("generate --bundle_file: a Magenta bundle writes N MIDI files, the same as its import does", "[magenta][generate][cli]") {
  test::TempDir dir;
  const auto r = test::run_drumrnn({"generate", "--bundle_file", kBundle, "--output_dir", dir.str("mag"), "--num_outputs",
                                    "2", "--num_steps", "64", "--seed", "3"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("drum_kit_noattn.mag") && Catch::Contains("64 steps"));
  const auto from_bundle = midi_bytes(dir.str("mag"));
  REQUIRE(from_bundle.size() == 2);
  CHECK(from_bundle[0] != from_bundle[1]);

  // The same seed through import-magenta and --model gives the same files, byte for byte.
  REQUIRE(test::run_drumrnn({"import-magenta", "--bundle_file", kBundle, "--output", dir.str("m.safetensors")}).status == 0);
  const auto r2 = test::run_drumrnn({"generate", "--model", dir.str("m.safetensors"), "--output_dir", dir.str("imported"),
                                     "--num_outputs", "2", "--num_steps", "64", "--seed", "3"});
  REQUIRE(r2.status == 0);
  CHECK(midi_bytes(dir.str("imported")) == from_bundle);
  // And another seed does not (so the comparison above can fail).
  CHECK(generated({"--bundle_file", kBundle}, dir.str("other"), 2, 4) != generated({"--bundle_file", kBundle}, dir.str("again"), 2, 3));
}

TEST_CASE("generate --run_dir and --checkpoint_file: a Magenta TF run generates as its bundle does", "[magenta][generate][cli]") {
  test::TempDir dir;
  // The fixture's bundle holds the run's variables, so the same seed gives the same files.
  const auto from_bundle = generated({"--bundle_file", kBundle}, dir.str("mag"));
  CHECK(generated({"--run_dir", kRunDir}, dir.str("run")) == from_bundle);
  CHECK(generated({"--checkpoint_file", kPrefix}, dir.str("prefix")) == from_bundle);
  CHECK(generated({"--model", kPrefix}, dir.str("model")) == from_bundle);

  // An attention run: its window from --hparams, as import-magenta takes it; the config from the input width.
  const auto attn = generated({"--run_dir", kAttnRunDir, "--hparams", "attn_length=4"}, dir.str("attn"));
  REQUIRE(test::run_drumrnn({"import-magenta", "--run_dir", kAttnRunDir, "--hparams", "attn_length=4", "--output",
                             dir.str("attn.safetensors")}).status == 0);
  CHECK(generated({"--model", dir.str("attn.safetensors")}, dir.str("attn_imported")) == attn);
  check_refused({"--run_dir", kAttnRunDir}, "attn_length=N", dir);

  // A run holding drumrnn's checkpoints as well as a TF one: drumrnn's win, as before.
  fs::create_directories(dir.path() / "both");
  fs::copy(kFixtures / "drum_kit_noattn/train", dir.path() / "both/train");
  fs::copy_file(kOneDrumModel, dir.path() / "both/train/model.ckpt-5.safetensors");
  const auto r = generate({"--run_dir", dir.str("both")}, dir.str("both_out"));
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("model.ckpt-5.safetensors"));
  // A run with neither, and both sources at once (Magenta refuses that too).
  fs::create_directories(dir.path() / "empty/train");
  check_refused({"--run_dir", dir.str("empty")}, "no checkpoint in", dir);
  check_refused({"--bundle_file", kBundle, "--run_dir", kRunDir}, "not both", dir);
  check_refused({"--bundle_file", kBundle, "--checkpoint_file", kPrefix}, "not both", dir);
}

TEST_CASE("generate --save_generator_bundle writes the model's bundle and generates nothing", "[magenta][generate][cli]") {
  test::TempDir dir;
  auto r = test::run_drumrnn({"generate", "--run_dir", kRunDir, "--save_generator_bundle", "--bundle_file", dir.str("run.mag"),
                              "--bundle_description", "from the fixture run", "--output_dir", dir.str("out")});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("run.mag") && !Catch::Contains("warning"));
  CHECK_FALSE(fs::exists(dir.str("out")));
  const MagentaBundle b = read_magenta_bundle(dir.str("run.mag"));
  CHECK(b.generator_id == "drum_kit");
  CHECK(b.bundle_description == "from the fixture run");
  CHECK(b.generator_description == "Drums RNN with multiple drums and binary counters.");
  CHECK_FALSE(b.metagraph.empty());
  // The bundle written is what export-magenta writes for the imported run, and generates as the run does.
  REQUIRE(test::run_drumrnn({"import-magenta", "--run_dir", kRunDir, "--output", dir.str("m.safetensors")}).status == 0);
  r = test::run_drumrnn({"export-magenta", "--model", dir.str("m.safetensors"), "--bundle_file", dir.str("export.mag"),
                         "--bundle_description", "from the fixture run"});
  REQUIRE(r.status == 0);
  CHECK(read_file(dir.str("export.mag")) == read_file(dir.str("run.mag")));
  CHECK(generated({"--bundle_file", dir.str("run.mag")}, dir.str("mag")) == generated({"--run_dir", kRunDir}, dir.str("run")));

  // A drumrnn one_drum attention model: no --config needed, and its bundle generates as it does.
  r = test::run_drumrnn({"generate", "--model", kOneDrumModel, "--save_generator_bundle", "--bundle_file", dir.str("od.mag"),
                         "--generator_description", "mine"});
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("no bundle description"));  // Magenta's warning
  const MagentaBundle od = read_magenta_bundle(dir.str("od.mag"));
  CHECK(od.generator_id == "one_drum");
  CHECK(od.generator_description == "mine");
  CHECK(generated({"--bundle_file", dir.str("od.mag"), "--hparams", "attn_length=4"}, dir.str("od_mag")) ==
        generated({"--model", kOneDrumModel}, dir.str("od_model")));

  const auto refused = [&](std::vector<std::string> args, const std::string& needle) {
    args.insert(args.begin(), "generate");
    test::check_one_line_error(test::run_drumrnn(args), needle);
    CHECK_FALSE(fs::exists(dir.str("bad.mag")));
  };
  refused({"--run_dir", kRunDir, "--save_generator_bundle"}, "needs --bundle_file");
  refused({"--run_dir", kRunDir, "--save_generator_bundle", "--bundle_file", dir.str("bad.mag"), "--generator_id", "one_drum"},
          "--generator_id one_drum");
  refused({"--run_dir", kRunDir, "--save_generator_bundle", "--bundle_file", dir.str("bad.mag"), "--config", "one_drum"},
          "is a drum_kit model, but --config is one_drum");
}

TEST_CASE("generate takes the config from the model, and a wrong --config is one line", "[magenta][generate][cli]") {
  test::TempDir dir;
  // A one_drum model generates with no --config (the default used to be drum_kit), and with the right one.
  const auto plain = generated({"--model", kOneDrumModel}, dir.str("od"));
  CHECK(generated({"--model", kOneDrumModel, "--config", "one_drum"}, dir.str("od_config")) == plain);
  CHECK(generated({"--bundle_file", kBundle, "--config", "drum_kit"}, dir.str("dk")).size() == 2);

  check_refused({"--model", kOneDrumModel, "--config", "drum_kit"}, "is a one_drum model, but --config is drum_kit", dir);
  check_refused({"--bundle_file", kBundle, "--config", "one_drum"}, "is a drum_kit bundle, but --config is one_drum", dir);
  check_refused({"--run_dir", kAttnRunDir, "--hparams", "attn_length=4", "--config", "drum_kit"},
                "is a one_drum model, but --config is drum_kit", dir);
  check_refused({"--checkpoint_file", kPrefix, "--config", "one_drum"}, "is a drum_kit model, but --config is one_drum", dir);
}

TEST_CASE("generate --bundle_file: a corrupt, truncated or other model's bundle is one line, and nothing is written", "[magenta][generate][cli]") {
  test::TempDir dir;
  const std::string whole = read_file(kBundle);
  test::write_bytes(dir.str("short.mag"), whole.substr(0, whole.size() / 2));
  check_refused({"--bundle_file", dir.str("short.mag")}, "short.mag", dir);

  magenta::GeneratorBundle b;
  REQUIRE(b.ParseFromString(whole));
  std::string ck = b.checkpoint_file(0);
  ck[ck.size() / 3] ^= 0x01;
  b.set_checkpoint_file(0, ck);
  test::write_bytes(dir.str("corrupt.mag"), b.SerializeAsString());
  check_refused({"--bundle_file", dir.str("corrupt.mag")}, "corrupt.mag", dir);

  REQUIRE(b.ParseFromString(whole));
  b.mutable_generator_details()->set_id("attention_rnn");
  test::write_bytes(dir.str("melody.mag"), b.SerializeAsString());
  check_refused({"--bundle_file", dir.str("melody.mag")}, "generator 'attention_rnn', not a drums_rnn model", dir);

  test::write_bytes(dir.str("junk.mag"), "not a bundle at all");
  check_refused({"--bundle_file", dir.str("junk.mag")}, "junk.mag", dir);
  check_refused({"--bundle_file", dir.str("missing.mag")}, "missing.mag", dir);
}

TEST_CASE("evaluate takes a .mag bundle and a TF checkpoint prefix as --model, with its import's loss", "[magenta][cli]") {
  test::TempDir dir;
  auto r = test::run_drumrnn({"import-magenta", "--bundle_file", kBundle, "--output", dir.str("m.safetensors")});
  REQUIRE(r.status == 0);
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 3), dir.str("eval.tfrecord"));
  auto loss_of = [&](const std::string& model) {
    const auto e = test::run_drumrnn({"evaluate", "--model", model, "--sequence_example_file", dir.str("eval.tfrecord"), "--json"});
    INFO(e.out);
    REQUIRE(e.status == 0);
    return double(nlohmann::json::parse(e.out)["loss"]);
  };
  const double imported = loss_of(dir.str("m.safetensors"));
  CHECK(loss_of(kBundle) == imported);
  CHECK(loss_of(kPrefix) == imported);
  r = test::run_drumrnn({"evaluate", "--model", dir.str("none.mag"), "--sequence_example_file", dir.str("eval.tfrecord")});
  test::check_one_line_error(r, "none.mag");
}
