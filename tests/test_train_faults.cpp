// Training faults: non-finite values never reach a checkpoint, step flags keep Magenta's meaning,
// the same seed trains the same on any core count, metadata names no machine paths, stale temp
// files go away.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <regex>
#include <sys/wait.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "ml/checkpoint.h"
#include "ml/cpu_trainer.h"
#include "ml/safetensors.h"
#include "ml/train_loop.h"
#include "ml_fixtures.h"
#include "test_support.h"
#include "train_fixtures.h"

using namespace drumrnn;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& extra) {
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

std::map<std::string, std::string> checkpoint_bytes(const fs::path& train_dir) {
  std::map<std::string, std::string> out;
  for (const auto& name : test::files_in(train_dir, ".safetensors")) out[name] = read_file((train_dir / name).string());
  return out;
}

// Bitwise, so that NaN equals NaN.
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

int lines_with(const std::string& text, const std::string& needle) {
  int n = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    n += text.substr(start, end - start).find(needle) != std::string::npos;
    start = end + 1;
  }
  return n;
}

// Keeps what a run reports; cancels once training reaches `cancel_at`.
struct RecordingObserver : JobObserver {
  struct Progress {
    std::string stage;
    JobProgress p;
  };
  std::vector<Progress> progress;
  std::vector<std::pair<std::string, bool>> messages;
  int64_t cancel_at = 0;
  void on_progress(const JobProgress& p) override {
    progress.push_back({std::string(p.stage), p});
    if (cancel_at && p.stage == "train" && p.done >= cancel_at) cancel();
  }
  void on_message(std::string_view line, bool error) override { messages.emplace_back(std::string(line), error); }
};

}  // namespace

TEST_CASE("a loss that becomes nan stops training, saves nothing and keeps every checkpoint", "[ml]") {
  test::TempDir dir;
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 6), dir.str("train.tfrecord"));
  const std::string run = dir.str("run");
  const fs::path train_dir = fs::path(run) / "train";
  const std::vector<std::string> base = {"train", "--run_dir", run, "--sequence_example_file", dir.str("train.tfrecord"),
                                         "--num_checkpoints", "2"};
  auto r = test::run_drumrnn(with(base, {"--hparams", test::kTinyHparams, "--num_training_steps", "10",
                                         "--checkpoint_steps", "5"}));
  REQUIRE(r.status == 0);
  const auto before = checkpoint_bytes(train_dir);
  REQUIRE(before.size() == 2);

  // A learning rate of 1e38 throws the weights to ±1e38 in one Adam step; the next forward overflows.
  r = test::run_drumrnn(with(base, {"--hparams", "batch_size=4,rnn_layer_sizes=[24],dropout_keep_prob=1.0,learning_rate=1e38",
                                    "--num_training_steps", "1000", "--checkpoint_steps", "1000"}));
  INFO(r.out);
  CHECK(r.status != 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex(R"(the (loss|gradient norm) became (-?nan|-?inf) at step (\d+))")));
  CHECK(std::stoi(m[3]) > 10);
  CHECK(lines_with(r.out, "error") == 1);
  CHECK_THAT(r.out, Catch::Contains("nothing was saved") && Catch::Contains("model.ckpt-10.safetensors") &&
                        Catch::Contains("resume"));
  // Every checkpoint is still there, byte for byte, and nothing new was written.
  CHECK(checkpoint_bytes(train_dir) == before);

  // The same command with a sane learning rate resumes from the last good checkpoint.
  r = test::run_drumrnn(with(base, {"--hparams", test::kTinyHparams, "--num_training_steps", "12",
                                    "--checkpoint_steps", "5"}));
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("resuming at step 10"));
}

TEST_CASE("the trainer refuses a non-finite update and leaves weights and Adam state untouched", "[ml]") {
  const DrumConfig& config = drum_config("drum_kit");
  const SequenceDataset data = test::repeating_dataset(config, 3);
  DrumRnn model({&config, {16}});
  model.init_glorot(2);
  TrainOptions opt;
  opt.learning_rate = 0.01f;
  CpuTrainer trainer(model, opt, 2);
  std::vector<size_t> all(data.examples());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const PackedBatch batch = make_batch(data, all);
  REQUIRE(trainer.train_step(batch).applied);  // Adam moments are non-zero from here on

  model.params().view(model.fc_biases_index())[5] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> w = model.params().data, m = trainer.optimizer().m.data, v = trainer.optimizer().v.data;
  const int64_t adam_step = trainer.optimizer().step;
  const TrainStepStats s = trainer.train_step(batch);
  CHECK_FALSE(s.applied);
  CHECK_FALSE(std::isfinite(s.totals.loss()));
  CHECK(same_bits(model.params().data, w));
  CHECK(same_bits(trainer.optimizer().m.data, m));
  CHECK(same_bits(trainer.optimizer().v.data, v));
  CHECK(trainer.optimizer().step == adam_step);
}

TEST_CASE("a model or checkpoint holding nan or inf is a one-line error naming the file and the tensor", "[ml]") {
  test::TempDir dir;
  DrumRnn kit({&drum_config("drum_kit"), {8}});
  kit.init_glorot(1);
  const std::string fc_biases = kit.table().views()[kit.fc_biases_index()].name;
  kit.params().view(kit.fc_biases_index())[3] = std::numeric_limits<float>::quiet_NaN();
  save_safetensors(dir.str("nan.safetensors"), named_tensors(kit.params()), {{"config", "drum_kit"}});
  test::check_one_line_error(test::run_drumrnn({"generate", "--model", dir.str("nan.safetensors"), "--output_dir",
                                                dir.str("out"), "--num_outputs", "1"}),
                             "nan.safetensors");
  test::check_one_line_error(test::run_drumrnn({"generate", "--model", dir.str("nan.safetensors"), "--output_dir",
                                                dir.str("out"), "--num_outputs", "1"}),
                             fc_biases);
  CHECK_THROWS_WITH(load_model(dir.str("nan.safetensors")),
                    Catch::Contains("nan.safetensors") && Catch::Contains(fc_biases));

  // A checkpoint whose Adam moments hold an inf: resuming from it is refused the same way.
  kit.init_glorot(1);
  AdamState adam(kit.table());
  adam.v.data[7] = std::numeric_limits<float>::infinity();
  std::vector<NamedTensor> tensors = named_tensors(kit.params());
  for (auto& t : named_tensors(adam.m, "optimizer/m/")) tensors.push_back(t);
  for (auto& t : named_tensors(adam.v, "optimizer/v/")) tensors.push_back(t);
  const std::string ckpt = dir.str("run/train/model.ckpt-7.safetensors");
  fs::create_directories(dir.path() / "run" / "train");
  save_safetensors(ckpt, tensors,
                   {{"config", "drum_kit"}, {"training_step", "7"}, {"adam_step", "7"},
                    {"hparams", "batch_size=4,rnn_layer_sizes=[8]"}});
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 2), dir.str("train.tfrecord"));
  test::check_one_line_error(
      test::run_drumrnn({"train", "--run_dir", dir.str("run"), "--sequence_example_file", dir.str("train.tfrecord"),
                         "--hparams", "batch_size=4,rnn_layer_sizes=[8]", "--num_training_steps", "9"}),
      "model.ckpt-7.safetensors");
  const auto r = test::run_drumrnn({"train", "--run_dir", dir.str("run"), "--sequence_example_file",
                                    dir.str("train.tfrecord"), "--hparams", "batch_size=4,rnn_layer_sizes=[8]",
                                    "--num_training_steps", "9"});
  CHECK_THAT(r.out, Catch::Contains("optimizer/v/"));
  CHECK(test::files_in(dir.path() / "run" / "train", ".safetensors") ==
        std::vector<std::string>{"model.ckpt-7.safetensors"});
}

TEST_CASE("num_checkpoints 0 keeps every checkpoint and the default keeps Magenta's 10", "[ml]") {
  test::TempDir dir;
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 4), dir.str("train.tfrecord"));
  const std::vector<std::string> common = {"--sequence_example_file", dir.str("train.tfrecord"), "--hparams",
                                           test::kTinyHparams, "--num_training_steps", "24", "--checkpoint_steps", "2"};
  auto r = test::run_drumrnn(with({"train", "--run_dir", dir.str("all"), "--num_checkpoints", "0"}, common));
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK(test::files_in(dir.path() / "all" / "train", ".safetensors").size() == 12);
  r = test::run_drumrnn(with({"train", "--run_dir", dir.str("default")}, common));
  REQUIRE(r.status == 0);
  const auto kept = test::files_in(dir.path() / "default" / "train", ".safetensors");
  CHECK(kept.size() == 10);
  CHECK(std::find(kept.begin(), kept.end(), "model.ckpt-24.safetensors") != kept.end());
  CHECK(std::find(kept.begin(), kept.end(), "model.ckpt-4.safetensors") == kept.end());
}

TEST_CASE("zero or negative step flags are one-line flag errors that touch no checkpoint", "[ml]") {
  test::TempDir dir;
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 2), dir.str("train.tfrecord"));
  const std::vector<std::string> base = {"train", "--run_dir", dir.str("run"), "--sequence_example_file",
                                         dir.str("train.tfrecord"), "--hparams", test::kTinyHparams};
  REQUIRE(test::run_drumrnn(with(base, {"--num_training_steps", "2", "--checkpoint_steps", "1"})).status == 0);
  const auto before = checkpoint_bytes(dir.path() / "run" / "train");
  REQUIRE(before.size() == 2);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"--summary_frequency", "0"}, {"--summary_frequency", "-3"},  {"--checkpoint_steps", "0"},
      {"--checkpoint_steps", "-1"}, {"--num_training_steps", "-5"}, {"--num_checkpoints", "-1"}};
  for (const auto& [flag, value] : bad) {
    INFO(flag << " " << value);
    test::check_one_line_error(test::run_drumrnn(with(base, {"--num_training_steps", "4", flag, value})),
                               flag.substr(2));
  }
  CHECK(checkpoint_bytes(dir.path() / "run" / "train") == before);
}

TEST_CASE("the same seed trains bit for bit the same on 1, 2 or 3 threads with dropout", "[ml]") {
  const DrumConfig& config = drum_config("drum_kit");
  // 37 sequences: three chunks (CpuTrainer::chunk_count), so threads really split the batch.
  const SequenceDataset data = test::random_dataset(config, 37, 12, 40, 5);
  REQUIRE(CpuTrainer::chunk_count(37) == 3);
  std::vector<size_t> all(data.examples());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const PackedBatch batch = make_batch(data, all);
  TrainOptions opt;
  opt.learning_rate = 0.01f;
  opt.dropout_keep_prob = 0.5f;
  opt.seed = 9;
  std::vector<float> reference;
  std::vector<double> reference_losses;
  for (int threads : {1, 2, 3}) {
    INFO("threads " << threads);
    DrumRnn model({&config, {16, 12}});
    model.init_glorot(4);
    CpuTrainer trainer(model, opt, threads);
    std::vector<double> losses;
    for (int step = 0; step < 4; ++step) losses.push_back(trainer.train_step(batch).totals.loss());
    if (reference.empty()) {
      reference = model.params().data;
      reference_losses = losses;
      continue;
    }
    CHECK(losses == reference_losses);
    CHECK(same_bits(model.params().data, reference));
  }
}

TEST_CASE("drumrnn train --threads 1 and --threads 2 write the same weights with dropout on", "[ml]") {
  test::TempDir dir;
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 20), dir.str("train.tfrecord"));
  REQUIRE(CpuTrainer::chunk_count(18) == 2);
  auto train = [&](const std::string& threads) {
    const std::string run = dir.str("run" + threads);
    const auto r = test::run_drumrnn({"train", "--run_dir", run, "--sequence_example_file", dir.str("train.tfrecord"),
                                      "--hparams", "batch_size=18,rnn_layer_sizes=[16,16],dropout_keep_prob=0.5",
                                      "--num_training_steps", "4", "--seed", "3", "--threads", threads});
    INFO(r.out);
    REQUIRE(r.status == 0);
    LoadedModel m = load_model(latest_checkpoint(run + "/train"));
    REQUIRE(m.step == 4);
    return m.model->params().data;
  };
  const std::vector<float> one = train("1"), two = train("2");
  CHECK(same_bits(one, two));
}

TEST_CASE("model metadata names the run and the dataset file, never a path on this machine", "[ml]") {
  test::TempDir dir;
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 3), dir.str("train.tfrecord"));
  const std::string run = dir.str("runs/my_run");
  auto r = test::run_drumrnn({"train", "--run_dir", run, "--sequence_example_file", dir.str("train.tfrecord"),
                              "--hparams", test::kTinyHparams, "--num_training_steps", "3"});
  REQUIRE(r.status == 0);
  r = test::run_drumrnn({"export-model", "--run_dir", run, "--output", dir.str("model.safetensors")});
  INFO(r.out);
  REQUIRE(r.status == 0);
  for (const std::string& path : {latest_checkpoint(run + "/train"), dir.str("model.safetensors")}) {
    INFO(path);
    const LoadedModel m = load_model(path);
    for (const auto& [key, value] : m.metadata) {
      INFO(key << " = " << value);
      CHECK_FALSE(fs::path(value).is_absolute());
      CHECK(value.find(dir.str()) == std::string::npos);
    }
    CHECK(m.metadata.at("run") == "my_run");
    CHECK(m.metadata.at("dataset") == "train.tfrecord");
    CHECK(m.metadata.at("dataset_examples") == "3");
    CHECK(m.metadata.at("training_step") == "3");
  }
}

TEST_CASE("training removes the temp files a killed run left in its train folder", "[ml]") {
  test::TempDir dir;
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 2), dir.str("train.tfrecord"));
  const fs::path train_dir = dir.path() / "run" / "train";
  fs::create_directories(train_dir);
  // A pid that is certainly gone: a child that has exited and been reaped.
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const fs::path stale = train_dir / ("model.ckpt-3.safetensors.tmp." + std::to_string(dead));
  const fs::path live = train_dir / ("model.ckpt-4.safetensors.tmp." + std::to_string(::getpid()));
  test::write_bytes(stale.string(), "half a checkpoint");
  test::write_bytes(live.string(), "a live writer's checkpoint");
  const auto r = test::run_drumrnn({"train", "--run_dir", dir.str("run"), "--sequence_example_file",
                                    dir.str("train.tfrecord"), "--hparams", test::kTinyHparams,
                                    "--num_training_steps", "2"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(live));  // another process that is still running may still commit it
}

TEST_CASE("run_training reports through its observer, and a cancel saves a checkpoint and returns 0", "[ml]") {
  test::TempDir dir;
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 4), dir.str("train.tfrecord"));
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 2), dir.str("eval.tfrecord"));
  TrainRunOptions o;
  o.run_dir = dir.str("run");
  o.sequence_example_file = dir.str("train.tfrecord");
  o.eval_sequence_example_file = dir.str("eval.tfrecord");
  o.hparams = test::kTinyHparams;
  o.summary_frequency = 2;
  o.checkpoint_steps = 4;
  RecordingObserver observer;
  observer.cancel_at = 6;  // num_training_steps 0: only the cancel stops it
  REQUIRE(run_training(o, observer) == 0);
  CHECK(load_model(latest_checkpoint(o.run_dir + "/train")).step == 6);

  std::vector<int64_t> train_steps, eval_steps;
  for (const auto& [stage, p] : observer.progress) {
    INFO(stage << " " << p.done);
    if (stage == "train") {
      train_steps.push_back(p.done);
      CHECK(p.total == 0);
      CHECK(std::isfinite(p.loss));
      CHECK(p.accuracy >= 0.0);
      CHECK(p.rate > 0.0);
      CHECK(p.tokens_per_s > 0.0);
    } else {
      CHECK(stage == "eval");
      eval_steps.push_back(p.done);
      CHECK(std::isfinite(p.loss));
    }
  }
  CHECK(train_steps == std::vector<int64_t>{2, 4, 6});
  CHECK(eval_steps == std::vector<int64_t>{4, 6});
  REQUIRE(observer.messages.size() >= 3);
  for (const auto& [line, error] : observer.messages) CHECK_FALSE(error);
  CHECK_THAT(observer.messages.front().first, Catch::Contains("from scratch"));
  CHECK_THAT(observer.messages[1].first, Catch::StartsWith("eval at step 4: loss"));
  CHECK_THAT(observer.messages.back().first, Catch::StartsWith("interrupted at step 6"));

  o.num_training_steps = 8;
  RecordingObserver resumed;
  REQUIRE(run_training(o, resumed) == 0);
  CHECK_THAT(resumed.messages.front().first, Catch::Contains("resuming at step 6"));
  CHECK_THAT(resumed.messages.back().first, Catch::StartsWith("stopped at step 8"));
  REQUIRE_FALSE(resumed.progress.empty());
  CHECK(resumed.progress.front().p.total == 8);
}

TEST_CASE("run_training rejects step options that would divide by zero or delete checkpoints", "[ml]") {
  test::TempDir dir;
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 2), dir.str("train.tfrecord"));
  TrainRunOptions good;
  good.run_dir = dir.str("run");
  good.sequence_example_file = dir.str("train.tfrecord");
  good.hparams = test::kTinyHparams;
  good.num_training_steps = 2;
  const std::vector<std::pair<std::string, void (*)(TrainRunOptions&)>> bad = {
      {"summary_frequency", [](TrainRunOptions& o) { o.summary_frequency = 0; }},
      {"checkpoint_steps", [](TrainRunOptions& o) { o.checkpoint_steps = 0; }},
      {"checkpoint_steps", [](TrainRunOptions& o) { o.checkpoint_steps = -2; }},
      {"num_training_steps", [](TrainRunOptions& o) { o.num_training_steps = -1; }},
      {"num_checkpoints", [](TrainRunOptions& o) { o.num_checkpoints = -1; }}};
  for (const auto& [flag, spoil] : bad) {
    INFO(flag);
    TrainRunOptions o = good;
    spoil(o);
    CHECK_THROWS_WITH(run_training(o, silent_job()), Catch::Contains(flag));
  }
  CHECK_FALSE(fs::exists(dir.path() / "run"));
  CHECK(run_training(good, silent_job()) == 0);
}
