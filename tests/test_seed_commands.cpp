// The seed's five Magenta command lines, run as written (absl's `=` syntax, shell quoting and all)
// with drumrnn's names in place of Magenta's, and the Magenta flags those programs also accept.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <sys/wait.h>

#include "common/atomic_file.h"
#include "independent_reader.h"
#include "ml/checkpoint.h"
#include "ml/hparams.h"
#include "music/drum_track.h"
#include "music/midi_io.h"
#include "test_support.h"

using namespace drumrnn;
namespace fs = std::filesystem;

namespace {

// The seed, word for word, with Magenta's program names.
const char* const kSeedCommands[] = {
    "convert_dir_to_note_sequences --input_dir=$INPUT_DIRECTORY --output_file=$SEQUENCES_TFRECORD --recursive",
    "drums_rnn_create_dataset --config=drum_kit --input=$SEQUENCES_TFRECORD --output_dir=$OUT/sequence_examples "
    "--eval_ratio=0.10",
    "drums_rnn_train --config=drum_kit --run_dir=$RUN "
    "--sequence_example_file=$OUT/sequence_examples/training_drum_tracks.tfrecord "
    "--hparams=\"batch_size=64,rnn_layer_sizes=[64,64]\" --num_training_steps=20000",
    "drums_rnn_train --config=drum_kit --run_dir=$RUN "
    "--sequence_example_file=$OUT/sequence_examples/eval_drum_tracks.tfrecord "
    "--hparams=\"batch_size=64,rnn_layer_sizes=[64,64]\" --num_training_steps=20000 --eval",
    "drums_rnn_generate --config=drum_kit --run_dir=$RUN --hparams=\"batch_size=64,rnn_layer_sizes=[64,64]\" "
    "--output_dir=$OUT/generated --num_outputs=10 --num_steps=128 --primer_drums=\"[(36,)]\"",
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

// Magenta's program name -> "$DRUMRNN <subcommand>".
std::string as_drumrnn(std::string line) {
  for (const auto& [magenta, ours] : std::vector<std::pair<std::string, std::string>>{
           {"convert_dir_to_note_sequences", "convert"},
           {"drums_rnn_create_dataset", "create-dataset"},
           {"drums_rnn_train", "train"},
           {"drums_rnn_generate", "generate"}})
    if (line.starts_with(magenta + " ")) return "\"$DRUMRNN\" " + ours + line.substr(magenta.size());
  FAIL("not a seed command: " << line);
  return line;
}

// Runs one shell line with `env` exported, stdout and stderr together.
test::RunResult run_shell(const std::string& line, const std::vector<std::pair<std::string, std::string>>& env) {
  std::string script;
  for (const auto& [k, v] : env) script += "export " + k + "='" + v + "'; ";
  script += line;
  std::string cmd = "sh -c '" + replace_all(script, "'", "'\\''") + "' 2>&1";
  test::RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

size_t records_in(const std::string& path) { return test::read_records_independently(read_file(path)).size(); }

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// A small untrained model file with the given layers.
std::string write_model(const test::TempDir& dir, const std::string& name, std::vector<int> layers) {
  DrumRnn m({&drum_config("drum_kit"), layers});
  m.init_glorot(1);
  HParams h = default_hparams("drum_kit");
  h.rnn_layer_sizes = layers;
  save_model(dir.str(name), m, h, 0, nullptr);
  return dir.str(name);
}

}  // namespace

TEST_CASE("the seed's five Magenta commands run as written on a Groove slice", "[groove]") {
  const std::string groove = test::groove_dir();
  if (groove.empty()) return test::skip_test("../shared/data/groove is absent (see README: Groove MIDI Dataset)");
  test::TempDir dir;
  // 24 of drummer1's longer performances, in their session folders (so --recursive matters): each
  // gives one drum track of at least 7 bars.
  std::vector<fs::path> picked;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(groove) / "drummer1"))
    if (e.path().extension() == ".mid" && e.file_size() > 8192) picked.push_back(e.path());
  std::sort(picked.begin(), picked.end());
  REQUIRE(picked.size() >= 24);
  picked.resize(24);
  for (const auto& p : picked) {
    const fs::path to = dir.path() / "groove" / p.parent_path().filename() / p.filename();
    fs::create_directories(to.parent_path());
    fs::copy_file(p, to);
  }
  const std::vector<std::pair<std::string, std::string>> env = {
      {"DRUMRNN", DRUMRNN_BINARY},
      {"INPUT_DIRECTORY", dir.str("groove")},
      {"SEQUENCES_TFRECORD", dir.str("notes.tfrecord")},
      {"OUT", dir.str("out")},
      {"RUN", dir.str("run")}};
  auto run_seed = [&](int i, const std::string& line) {
    const auto r = run_shell(line, env);
    INFO("seed command " << i + 1 << ": " << line << "\n" << r.out);
    REQUIRE(r.status == 0);
    return r;
  };

  // 1. convert_dir_to_note_sequences
  auto r = run_seed(0, as_drumrnn(kSeedCommands[0]));
  CHECK_THAT(r.out, Catch::Contains("converted 24 of 24"));
  CHECK(records_in(dir.str("notes.tfrecord")) == 24);

  // 2. drums_rnn_create_dataset. Its partition is unseeded, as Magenta's: a 10% split of 24 inputs
  // is empty 8% of the time, so rerun the same line until the eval file has an example.
  const std::string train_file = dir.str("out/sequence_examples/training_drum_tracks.tfrecord");
  const std::string eval_file = dir.str("out/sequence_examples/eval_drum_tracks.tfrecord");
  for (int attempt = 0; attempt < 8; ++attempt) {
    r = run_seed(1, as_drumrnn(kSeedCommands[1]));
    if (records_in(eval_file) > 0) break;
  }
  CHECK_THAT(r.out, Catch::Contains("Processed 24 inputs total."));
  REQUIRE(records_in(eval_file) > 0);
  CHECK(records_in(train_file) + records_in(eval_file) == 24);

  // 3. drums_rnn_train: only the step count is cut (20000 steps is hours on a CI core).
  const std::string train_line = replace_all(as_drumrnn(kSeedCommands[2]), "--num_training_steps=20000",
                                             "--num_training_steps=3");
  r = run_seed(2, train_line);
  CHECK_THAT(r.out, Catch::Contains("[64,64]") && Catch::Contains("stopped at step 3"));
  const LoadedModel model = load_model(latest_checkpoint(dir.str("run/train")));
  CHECK(model.step == 3);
  CHECK(model.model->shape().layer_sizes == std::vector<int>{64, 64});
  CHECK(model.hparams.batch_size == 64);

  // 4. drums_rnn_train --eval: evaluates the checkpoint into RUN/eval.
  r = run_seed(3, as_drumrnn(kSeedCommands[3]));
  CHECK_THAT(r.out, Catch::Contains("eval at step 3"));
  bool eval_events = false;
  for (const auto& f : files_in(dir.path() / "run" / "eval"))
    eval_events |= f.filename().string().starts_with("events.out.tfevents.") && fs::file_size(f) > 0;
  CHECK(eval_events);

  // 5. drums_rnn_generate: 10 files named <date>_<NN>.mid, 128 steps (16 s at 120 qpm), kick first.
  r = run_seed(4, as_drumrnn(kSeedCommands[4]));
  const auto generated = files_in(dir.path() / "out" / "generated");
  REQUIRE(generated.size() == 10);
  for (size_t i = 0; i < generated.size(); ++i) {
    const std::string name = generated[i].filename().string();
    INFO(name);
    char index[8];
    std::snprintf(index, sizeof index, "_%02zu.mid", i + 1);
    CHECK(std::regex_match(name, std::regex(R"(\d{4}-\d{2}-\d{2}_\d{6}_\d\d\.mid)")));
    CHECK(name.ends_with(index));
    const magenta::NoteSequence ns = midi_to_note_sequence(read_file(generated[i].string()));
    REQUIRE(ns.notes_size() > 0);
    bool kick_at_zero = false;
    for (const auto& n : ns.notes()) {
      CHECK(n.end_time() <= 16.0 + 1e-9);
      kick_at_zero |= n.pitch() == 36 && n.start_time() < 1e-9;
    }
    CHECK(kick_at_zero);
  }
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') >= 10);
  CHECK_THAT(r.out, Catch::Contains("(128 steps"));
}

TEST_CASE("generate checks --hparams against the model: structure must agree, batch_size need not", "[ml]") {
  test::TempDir dir;
  const std::string model = write_model(dir, "m.safetensors", {8, 8});
  auto gen = [&](const std::string& hparams) {
    return test::run_drumrnn({"generate", "--model=" + model, "--hparams=" + hparams, "--output_dir=" + dir.str("g"),
                              "--num_outputs=1", "--num_steps=16"});
  };
  auto r = gen("batch_size=64,rnn_layer_sizes=[8,8]");
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(files_in(dir.path() / "g").size() == 1);
  test::check_one_line_error(gen("batch_size=64,rnn_layer_sizes=[64,64]"), "rnn_layer_sizes=[64,64] disagrees");
  test::check_one_line_error(gen("rnn_layer_sizes=[8]"), "m.safetensors");
  test::check_one_line_error(gen("batch_sise=3"), "batch_sise");
}

TEST_CASE("Magenta's other flags: --log, --flagfile, --noFLAG, checkpoint_file, bundles, absl's own", "[music][ml]") {
  test::TempDir dir;
  const std::string model = write_model(dir, "m.safetensors", {8});
  fs::create_directories(dir.path() / "midi" / "sub");
  DrumTrack track;
  track.events = {{36}, {}, {42}, {}};
  write_midi_file(dir.str("midi/sub/a.mid"), drum_track_to_sequence(track, 120));
  auto convert = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"convert", "--input_dir=" + dir.str("midi"), "--output_file=" + dir.str("n.tfrecord")};
    a.insert(a.end(), extra.begin(), extra.end());
    return test::run_drumrnn(a);
  };
  // --noFLAG and --FLAG=false are absl's "off"; --recursive=true its "on".
  test::check_one_line_error(convert({"--norecursive"}), "--recursive");
  test::check_one_line_error(convert({"--recursive=false"}), "--recursive");
  auto r = convert({"--recursive=true", "--log=WARN"});
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(r.out.find("convert:") == std::string::npos);  // WARN hides the INFO progress lines
  for (const char* level : {"DEBUG", "INFO", "WARN", "ERROR", "FATAL"}) CHECK(convert({"--recursive", std::string("--log=") + level}).status == 0);
  test::check_one_line_error(convert({"--recursive", "--log=LOUD"}), "--log");

  // --flagfile: one flag a line, comments, nested.
  test::write_bytes(dir.str("inner.flags"), "--recursive\n");
  test::write_bytes(dir.str("outer.flags"), "# Magenta flags\n--input_dir=" + dir.str("midi") +
                                                "\n  --output_file=" + dir.str("f.tfrecord") +
                                                "  \n// nested\n--flagfile=" + dir.str("inner.flags") + "\n");
  r = test::run_drumrnn({"convert", "--flagfile=" + dir.str("outer.flags")});
  CHECK(r.status == 0);
  CHECK(records_in(dir.str("f.tfrecord")) == 1);
  test::check_one_line_error(test::run_drumrnn({"convert", "--flagfile=" + dir.str("none.flags")}), "none.flags");

  // absl's built-ins: the logging ones drumrnn already obeys pass, the Python ones are refused.
  CHECK(convert({"--recursive", "--logtostderr", "--alsologtostderr"}).status == 0);
  test::check_one_line_error(convert({"--recursive", "--run_with_pdb"}), "--run_with_pdb");
  test::check_one_line_error(convert({"--recursive", "--undefok=foo"}), "--undefok");

  // generate: --checkpoint_file, --run_dir winning over it, bundles.
  auto gen = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"generate", "--output_dir=" + dir.str("g"), "--num_outputs=1", "--num_steps=16"};
    a.insert(a.end(), extra.begin(), extra.end());
    return test::run_drumrnn(a);
  };
  r = gen({"--checkpoint_file=" + model, "--temperature=0.5", "--beam_size=2", "--branch_factor=2",
           "--steps_per_iteration=2", "--qpm=90", "--log=ERROR", "--generator_id=x", "--nosave_generator_bundle"});
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(r.out.empty());  // --log=ERROR: no INFO lines
  fs::create_directories(dir.path() / "run" / "train");
  test::check_one_line_error(gen({"--run_dir=" + dir.str("run"), "--checkpoint_file=" + model}), "no checkpoint in");
  // Bundles: a missing one is one line naming it; --save_generator_bundle writes one and generates nothing.
  test::check_one_line_error(gen({"--bundle_file=" + dir.str("drum_kit_rnn.mag")}), "drum_kit_rnn.mag");
  fs::remove_all(dir.path() / "g");
  r = gen({"--checkpoint_file=" + model, "--bundle_file=" + dir.str("x.mag"), "--save_generator_bundle"});
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(fs::exists(dir.str("x.mag")));
  CHECK_FALSE(fs::exists(dir.path() / "g"));

  // --primer_drums wins over --primer_midi (Magenta's order): a missing MIDI primer is then unread.
  CHECK(gen({"--model=" + model, "--primer_drums=[(42,)]", "--primer_midi=" + dir.str("missing.mid")}).status == 0);
  test::check_one_line_error(gen({"--model=" + model, "--primer_midi=" + dir.str("missing.mid")}), "missing.mid");

  // create-dataset and train take Magenta's --hparams / --log / --num_eval_examples too.
  r = test::run_drumrnn({"create-dataset", "--config=drum_kit", "--hparams=batch_size=64,rnn_layer_sizes=[64,64]",
                         "--input=" + dir.str("n.tfrecord"), "--output_dir=" + dir.str("ds"), "--eval_ratio=0.10",
                         "--log=INFO", "--generator_description=d"});
  CHECK(r.status == 0);
  test::check_one_line_error(test::run_drumrnn({"create-dataset", "--hparams=batch_sise=1", "--input=" + dir.str("n.tfrecord"),
                                                "--output_dir=" + dir.str("ds")}),
                             "batch_sise");
  test::check_one_line_error(test::run_drumrnn({"train", "--run_dir=" + dir.str("r"), "--sequence_example_file=x",
                                                "--num_eval_examples=5"}),
                             "--num_eval_examples");
  test::check_one_line_error(test::run_drumrnn({"train", "--run_dir=" + dir.str("r"), "--sequence_example_file=" + dir.str("none"),
                                                "--num_eval_examples=0", "--log=WARN"}),
                             "none");
}
