// Training, resuming, evaluating and generating, in-process and through the drumrnn binary.
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <regex>
#include <sys/wait.h>
#include <thread>
#include <fcntl.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "ml/checkpoint.h"
#include "ml/cpu_trainer.h"
#include "ml/hparams.h"
#include "ml_fixtures.h"
#include "music/midi_io.h"
#include "music/sequence_example.h"
#include "music/tfrecord.h"
#include "test_support.h"
#include "train_fixtures.h"

using namespace drumrnn;
using test::files_in;
using test::kTinyHparams;
using test::repeating_dataset;
using test::write_dataset;
namespace fs = std::filesystem;

namespace {

// Whether this build and machine can train on a GPU (make_trainer is the one place that knows).
bool gpu_trainer_available() {
  const DrumConfig& config = drum_config("drum_kit");
  DrumRnn model({&config, {8}});
  try {
    make_trainer(Device::cuda, model, TrainOptions{});
    return true;
  } catch (const DeviceError&) {
    return false;
  }
}

}  // namespace


TEST_CASE("training overfits a tiny dataset: the loss goes near zero", "[ml]") {
  const DrumConfig& config = drum_config("drum_kit");
  const SequenceDataset data = repeating_dataset(config, 4);
  DrumRnn model({&config, {32}});
  model.init_glorot(1);
  TrainOptions opt;
  opt.learning_rate = 0.01f;
  opt.clip_norm = 3.0f;
  CpuTrainer trainer(model, opt);
  std::vector<size_t> all(data.examples());
  std::iota(all.begin(), all.end(), 0);
  const PackedBatch batch = make_batch(data, all);
  const double first = trainer.evaluate(batch, false).loss();
  double last = first;
  for (int step = 0; step < 300; ++step) last = trainer.train_step(batch).totals.loss();
  last = trainer.evaluate(batch, false).loss();
  INFO("loss " << first << " -> " << last);
  CHECK(first > 5.0);
  CHECK(last < 0.05);
  CHECK(trainer.evaluate(batch, false).accuracy() == 1.0);
}

TEST_CASE("train writes checkpoints and TensorBoard events, resumes, evaluates and generates", "[ml]") {
  test::TempDir dir;
  write_dataset(repeating_dataset(drum_config("drum_kit"), 6), dir.str("train.tfrecord"));
  write_dataset(repeating_dataset(drum_config("drum_kit"), 2), dir.str("eval.tfrecord"));
  const std::string run = dir.str("run");
  auto r = test::run_drumrnn({"train", "--config", "drum_kit", "--run_dir", run, "--sequence_example_file",
                              dir.str("train.tfrecord"), "--hparams", kTinyHparams, "--num_training_steps", "20",
                              "--checkpoint_steps", "5", "--num_checkpoints", "3", "--summary_frequency", "5",
                              "--eval_sequence_example_file", dir.str("eval.tfrecord")});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("from scratch") && Catch::Contains("stopped at step 20"));
  CHECK(files_in(fs::path(run) / "train", ".safetensors") ==
        std::vector<std::string>{"model.ckpt-10.safetensors", "model.ckpt-15.safetensors", "model.ckpt-20.safetensors"});
  bool train_events = false, eval_events = false;
  for (const auto& e : fs::directory_iterator(fs::path(run) / "train"))
    train_events |= e.path().filename().string().starts_with("events.out.tfevents.");
  for (const auto& e : fs::directory_iterator(fs::path(run) / "eval"))
    eval_events |= e.path().filename().string().starts_with("events.out.tfevents.");
  CHECK(train_events);
  CHECK(eval_events);

  // The same command with more steps resumes from the last checkpoint.
  r = test::run_drumrnn({"train", "--config", "drum_kit", "--run_dir", run, "--sequence_example_file",
                         dir.str("train.tfrecord"), "--hparams", kTinyHparams, "--num_training_steps", "30",
                         "--checkpoint_steps", "5", "--num_checkpoints", "3"});
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("resuming at step 20") && Catch::Contains("stopped at step 30"));
  const LoadedModel m = load_model(latest_checkpoint((fs::path(run) / "train").string()));
  CHECK(m.step == 30);
  CHECK(m.metadata.at("config") == "drum_kit");
  CHECK(m.metadata.count("dataset") == 1);

  // --eval and evaluate --json.
  r = test::run_drumrnn({"train", "--eval", "--run_dir", run, "--sequence_example_file", dir.str("eval.tfrecord"),
                         "--hparams", kTinyHparams});
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("eval at step 30"));
  r = test::run_drumrnn({"evaluate", "--run_dir", run, "--sequence_example_file", dir.str("eval.tfrecord"), "--json"});
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"loss", "perplexity", "accuracy", "event_accuracy", "no_event_accuracy", "per_class_accuracy"})
    CHECK(j.contains(key));
  CHECK(j["step"] == 30);

  // Generation: names, count, length, primer first, and the seed.
  auto gen = [&](const std::string& out, const std::string& seed) {
    return test::run_drumrnn({"generate", "--config", "drum_kit", "--run_dir", run, "--output_dir", dir.str(out),
                              "--num_outputs", "3", "--num_steps", "32", "--primer_drums", "[(36,42),(),(42,)]",
                              "--seed", seed});
  };
  r = gen("gen_a", "5");
  INFO(r.out);
  REQUIRE(r.status == 0);
  REQUIRE(gen("gen_b", "5").status == 0);
  REQUIRE(gen("gen_c", "6").status == 0);
  const auto names = files_in(dir.path() / "gen_a", ".mid");
  REQUIRE(names.size() == 3);
  CHECK(std::regex_match(names[0], std::regex(R"(\d{4}-\d{2}-\d{2}_\d{6}_1\.mid)")));
  bool seed_matters = false;
  for (const auto& name : names) {
    const std::string a = read_file(dir.str("gen_a/" + name));
    const auto b_names = files_in(dir.path() / "gen_b", ".mid");
    const std::string b = read_file((dir.path() / "gen_b" / b_names[&name - &names[0]]).string());
    CHECK(a == b);
    const auto c_names = files_in(dir.path() / "gen_c", ".mid");
    seed_matters |= a != read_file((dir.path() / "gen_c" / c_names[&name - &names[0]]).string());
    const magenta::NoteSequence ns = midi_to_note_sequence(a);
    REQUIRE(ns.notes_size() > 0);
    // Step 0 holds the primer's kick and hat; 32 steps at 120 qpm last 4 seconds.
    std::set<int> at_zero, at_one;
    for (const auto& n : ns.notes()) {
      CHECK(n.is_drum());
      CHECK(n.end_time() <= 4.0 + 1e-9);
      if (n.start_time() < 1e-9) at_zero.insert(n.pitch());
    }
    CHECK(at_zero == std::set<int>{36, 42});
  }
  CHECK(seed_matters);
}

TEST_CASE("a killed training run resumes and never leaves a corrupt checkpoint", "[ml]") {
  test::TempDir dir;
  write_dataset(repeating_dataset(drum_config("drum_kit"), 6), dir.str("train.tfrecord"));
  const std::string run = dir.str("run");
  const std::vector<std::string> args = {"train", "--run_dir", run, "--sequence_example_file", dir.str("train.tfrecord"),
                                         "--hparams", kTinyHparams, "--num_training_steps", "100000",
                                         "--checkpoint_steps", "3", "--num_checkpoints", "2"};
  // From the name: the running trainer may prune the file before we could load it.
  auto newest_step = [&] {
    const std::string latest = fs::path(latest_checkpoint(run + "/train")).filename().string();
    std::smatch m;
    return std::regex_match(latest, m, std::regex(R"(model\.ckpt-(\d+)\.safetensors)")) ? std::stoll(m[1])
                                                                                         : int64_t(-1);
  };
  for (int signal : {SIGKILL, SIGINT}) {
    const int64_t before = newest_step();
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<char*> argv{const_cast<char*>(DRUMRNN_BINARY)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execv(DRUMRNN_BINARY, argv.data());
      ::_exit(127);
    }
    // Wait until this process has written a checkpoint of its own (so it is in its training loop),
    // then stop it mid-flight.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (newest_step() <= before && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (newest_step() <= before) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      FAIL("drumrnn train wrote no checkpoint of its own within 60 s (signal " << signal << " round)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(pid, signal);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (signal == SIGINT) {
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);  // Ctrl-C saves and exits cleanly
    }
    // Every file in the checkpoint folder loads. SIGKILL may leave the temp file of the write it
    // interrupted; the next run removes it on start, so after the SIGINT round none is left.
    for (const auto& name : files_in(fs::path(run) / "train", ".safetensors"))
      CHECK_NOTHROW(load_model((fs::path(run) / "train" / name).string()));
    if (signal == SIGINT)
      for (const auto& e : fs::directory_iterator(fs::path(run) / "train")) {
        INFO(e.path());
        CHECK(e.path().string().find(".tmp.") == std::string::npos);
      }
  }
  const int64_t stopped_at = load_model(latest_checkpoint(run + "/train")).step;
  CHECK(stopped_at > 0);
  std::vector<std::string> resume = args;
  resume[8] = std::to_string(stopped_at + 4);
  const auto r = test::run_drumrnn(resume);
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("resuming at step " + std::to_string(stopped_at)));
}

TEST_CASE("bad model, primer, steps and data inputs are one-line errors", "[ml]") {
  test::TempDir dir;
  // A one_drum model to mismatch against.
  DrumRnn one({&drum_config("one_drum"), {8}});
  one.init_glorot(1);
  save_model(dir.str("one.safetensors"), one, default_hparams("one_drum"), 0, nullptr);
  DrumRnn kit({&drum_config("drum_kit"), {8}});
  kit.init_glorot(1);
  save_model(dir.str("kit.safetensors"), kit, default_hparams("drum_kit"), 0, nullptr);
  test::write_bytes(dir.str("corrupt.safetensors"), "\x10\x00\x00\x00\x00\x00\x00\x00{not json}     ");
  test::write_bytes(dir.str("empty.tfrecord"), "");

  auto gen = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"generate", "--output_dir", dir.str("out"), "--num_outputs", "1"};
    a.insert(a.end(), extra.begin(), extra.end());
    return test::run_drumrnn(a);
  };
  test::check_one_line_error(gen({"--model", dir.str("missing.safetensors")}), "missing.safetensors");
  test::check_one_line_error(gen({"--model", dir.str("corrupt.safetensors")}), "corrupt.safetensors");
  test::check_one_line_error(gen({"--config", "drum_kit", "--model", dir.str("one.safetensors")}), "one_drum model");
  test::check_one_line_error(gen({"--model", dir.str("kit.safetensors"), "--primer_drums", "[(36)]"}), "primer_drums");
  test::check_one_line_error(gen({"--model", dir.str("kit.safetensors"), "--primer_drums", "[(90,)]"}), "no drum_kit class");
  test::check_one_line_error(gen({"--model", dir.str("kit.safetensors"), "--primer_drums", "[(36,),(),(),(),(),(),(),(38,)]",
                            "--num_steps", "4"}),
                       "num_steps");
  test::check_one_line_error(test::run_drumrnn({"train", "--run_dir", dir.str("run"), "--sequence_example_file",
                                          dir.str("empty.tfrecord")}),
                       "empty");
  test::check_one_line_error(test::run_drumrnn({"train", "--run_dir", dir.str("run"), "--sequence_example_file",
                                          dir.str("nothing.tfrecord")}),
                       "nothing.tfrecord");
  test::check_one_line_error(test::run_drumrnn({"train", "--run_dir", dir.str("run"), "--sequence_example_file",
                                          dir.str("empty.tfrecord"), "--hparams", "batch_sise=3"}),
                       "batch_sise");
  write_dataset(repeating_dataset(drum_config("drum_kit"), 2), dir.str("kit.tfrecord"));
  test::check_one_line_error(test::run_drumrnn({"train", "--config", "one_drum", "--run_dir", dir.str("run1"),
                                          "--sequence_example_file", dir.str("kit.tfrecord")}),
                       "width 518");
  const auto cuda = test::run_drumrnn({"train", "--run_dir", dir.str("run2"), "--sequence_example_file",
                                       dir.str("kit.tfrecord"), "--device", "cuda", "--num_training_steps", "1"});
  if (!gpu_trainer_available()) {
    // One line naming the flag, non-zero exit.
    test::check_one_line_error(cuda, "--device cuda");
  } else {
    INFO(cuda.out);
    CHECK(cuda.status == 0);
  }
}

TEST_CASE("train: --device auto says which device it chose", "[ml]") {
  test::TempDir dir;
  write_dataset(repeating_dataset(drum_config("drum_kit"), 2), dir.str("kit.tfrecord"));
  const auto r = test::run_drumrnn({"train", "--run_dir", dir.str("run"), "--sequence_example_file",
                                    dir.str("kit.tfrecord"), "--hparams", kTinyHparams, "--num_training_steps", "1"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains(gpu_trainer_available() ? "--device auto: training on the GPU"
                                                            : "training on the CPU"));
}
