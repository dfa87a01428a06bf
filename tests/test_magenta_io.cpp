// Magenta checkpoints and bundles: the TF table, V1/V2 checkpoints, and import-magenta /
// export-magenta against fixtures made by Magenta's own trainer (tests/fixtures/magenta/
// make_magenta_fixture.sh): the imported model gives Magenta's logits.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "generator.pb.h"
#include "magenta_fixtures.h"
#include "ml/checkpoint.h"
#include "ml/magenta_bundle.h"
#include "ml/magenta_metagraph.h"
#include "ml/magenta_model.h"
#include "ml/safetensors.h"
#include "ml/tf_checkpoint.h"
#include "test_support.h"
#include "train_fixtures.h"

using namespace drumrnn;
namespace fs = std::filesystem;

namespace {

using namespace test::magenta;

std::vector<std::vector<PitchSet>> fixture_tracks() {
  std::ifstream in(kFixtures / "events.json");
  const auto j = nlohmann::json::parse(in);
  std::vector<std::vector<PitchSet>> out;
  for (const auto& track : j) {
    std::vector<PitchSet> events;
    for (const auto& e : track) {
      PitchSet s;
      for (int p : e) s.insert(p);
      events.push_back(s);
    }
    out.push_back(events);
  }
  return out;
}

// drumrnn's logits for every position of the track, [N, classes].
std::vector<float> our_logits(const DrumRnn& model, const std::vector<PitchSet>& events) {
  DrumRnnStepper stepper(model, 1);
  const int C = model.shape().num_classes();
  std::vector<float> out(events.size() * size_t(C));
  for (size_t p = 0; p < events.size(); ++p) {
    const int cls = encode_drum_event(*model.shape().config, events[p]);
    const int64_t pos = int64_t(p);
    stepper.step(&cls, &pos, 1, out.data() + p * C);
  }
  return out;
}

// Checks drumrnn's logits against Magenta's (relative 1e-5, absolute floor 1e-6) and returns the
// worst relative difference.
double check_against_magenta(const DrumRnn& model, const std::string& logits_file) {
  const SafetensorsFile ref = load_safetensors((kFixtures / logits_file).string());
  const auto tracks = fixture_tracks();
  double worst = 0;
  for (size_t t = 0; t < tracks.size(); ++t) {
    const auto& expected = ref.tensors.at("logits_" + std::to_string(t)).data;
    const auto got = our_logits(model, tracks[t]);
    REQUIRE(got.size() == expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const double err = std::abs(double(got[i]) - expected[i]);
      worst = std::max(worst, err / std::max(1e-1, std::abs(double(expected[i]))));
      if (err > 1e-5 * std::abs(expected[i]) + 1e-6) FAIL("track " << t << " logit " << i << ": " << got[i] << " vs Magenta " << expected[i]);
    }
    // Magenta's log-likelihood of the track (events 1..N-1 from their prefix).
    const int C = model.shape().num_classes();
    double ll = 0;
    for (size_t p = 1; p < tracks[t].size(); ++p) {
      const float* z = got.data() + (p - 1) * C;
      double mx = z[0], sum = 0;
      for (int c = 0; c < C; ++c) mx = std::max(mx, double(z[c]));
      for (int c = 0; c < C; ++c) sum += std::exp(z[c] - mx);
      ll += z[encode_drum_event(*model.shape().config, tracks[t][p])] - mx - std::log(sum);
    }
    const double magenta_ll = std::stod(ref.metadata.at("log_likelihood_" + std::to_string(t)));
    CHECK(std::abs(ll - magenta_ll) <= 1e-5 * std::abs(magenta_ll));
  }
  return worst;
}

TfVariables fixture_variables() { return read_tf_checkpoint_v2(kPrefix); }

}  // namespace

TEST_CASE("TF table: written tables read back, corruption and truncation are caught", "[magenta]") {
  TfTableEntries entries;
  for (int i = 0; i < 40; ++i) entries.emplace_back("key/" + std::to_string(1000 + i), std::string(20000 + i, char('a' + i % 26)));
  entries.emplace_back("", "header");
  const std::string bytes = write_tf_table(entries);  // > 256 KiB: several data blocks
  REQUIRE(bytes.size() > 3 * 262144);
  std::sort(entries.begin(), entries.end());
  CHECK(read_tf_table(bytes, "t") == entries);
  CHECK(read_tf_table(write_tf_table({}), "empty").empty());
  std::string corrupt = bytes;
  corrupt[1000] ^= 1;
  CHECK_THROWS_WITH(read_tf_table(corrupt, "t.index"), Catch::Contains("t.index") && Catch::Contains("CRC mismatch"));
  CHECK_THROWS_WITH(read_tf_table(bytes.substr(0, bytes.size() - 3), "t.index"), Catch::Contains("bad magic"));
  CHECK_THROWS_WITH(read_tf_table(bytes.substr(100), "t.index"), Catch::Contains("t.index"));
}

TEST_CASE("Magenta's checkpoint imports and gives Magenta's logits and log-likelihoods", "[magenta]") {
  const TfVariables vars = fixture_variables();
  CHECK(vars.count("global_step") == 1);
  CHECK(vars.count("fully_connected/weights/Adam_1") == 1);
  MagentaModel m = model_from_magenta(vars, kPrefix, "");
  CHECK(std::string(m.loaded.model->shape().config->name) == "drum_kit");
  CHECK(m.loaded.hparams.rnn_layer_sizes == std::vector<int>{8, 8});
  CHECK(m.loaded.step == 100);
  REQUIRE(m.adam);
  CHECK(m.adam->step == 100);
  const double worst = check_against_magenta(*m.loaded.model, "drum_kit_noattn.logits.safetensors");
  WARN("worst relative logit difference vs Magenta: " << worst);
}

TEST_CASE("Magenta's bundle (V1 checkpoint) imports to the same model", "[magenta]") {
  const MagentaBundle b = read_magenta_bundle(kBundle);
  CHECK(b.generator_id == "drum_kit");
  CHECK_FALSE(b.metagraph.empty());
  MagentaModel from_bundle = model_from_magenta(read_tf_checkpoint_v1(b.checkpoint, kBundle), kBundle, "drum_kit");
  MagentaModel from_run = model_from_magenta(fixture_variables(), kPrefix, "");
  CHECK(from_bundle.loaded.model->params().data == from_run.loaded.model->params().data);
  CHECK_FALSE(from_bundle.adam);
  check_against_magenta(*from_bundle.loaded.model, "drum_kit_noattn.logits.safetensors");
}

TEST_CASE("Magenta's attention checkpoint (cell 0 wrapped) imports and gives Magenta's logits", "[magenta][attention]") {
  const std::string prefix = (kFixtures / "one_drum_attn/train/model.ckpt-100").string();
  const TfVariables vars = read_tf_checkpoint_v2(prefix);
  MagentaModel m = model_from_magenta(vars, prefix, "", "attn_length=4");
  CHECK(std::string(m.loaded.model->shape().config->name) == "one_drum");
  CHECK(m.loaded.model->shape().attn_length == 4);
  CHECK(m.loaded.hparams.attn_length == 4);
  CHECK(m.loaded.hparams.rnn_layer_sizes == std::vector<int>{8, 8});
  REQUIRE(m.adam);
  const double worst = check_against_magenta(*m.loaded.model, "one_drum_attn.logits.safetensors");
  WARN("attention: worst relative logit difference vs Magenta: " << worst);
  // Exported back, every variable (the attention's and Adam's slots too) is Magenta's, bit for bit.
  const TfVariables out = magenta_from_model(*m.loaded.model, m.loaded.step, m.adam.get());
  REQUIRE(out.size() == vars.size());
  for (const auto& [name, t] : vars) {
    INFO(name);
    REQUIRE(out.count(name));
    CHECK(out.at(name).shape == t.shape);
    if (!name.ends_with("_power")) CHECK(out.at(name).floats == t.floats);
  }
  // No variable holds the window length: one_drum has no default, so it must be given.
  CHECK_THROWS_WITH(model_from_magenta(vars, prefix, ""), Catch::Contains(prefix) && Catch::Contains("attn_length=N"));
  // A plain checkpoint with attn_length asked for is refused rather than silently run without it.
  CHECK_THROWS_WITH(model_from_magenta(fixture_variables(), kPrefix, "", "attn_length=32"),
                    Catch::Contains("no attention variables"));
  TfVariables missing = vars;
  missing.erase("rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/attention/attn_v");
  CHECK_THROWS_WITH(model_from_magenta(missing, prefix, "", "attn_length=4"),
                    Catch::Contains("missing variable rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/attention/attn_v"));
  TfVariables shape = vars;
  shape["rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/attention/attn_w"].shape = {8, 8};
  CHECK_THROWS_WITH(model_from_magenta(shape, prefix, "", "attn_length=4"),
                    Catch::Contains("attention/attn_w has shape [8,8], expected [1,1,8,8]"));
}

TEST_CASE("V1 and V2 checkpoints round-trip every variable bit for bit", "[magenta]") {
  test::TempDir dir;
  MagentaModel m = model_from_magenta(fixture_variables(), kPrefix, "");
  const TfVariables out = magenta_from_model(*m.loaded.model, m.loaded.step, m.adam.get());
  write_tf_checkpoint_v2(dir.str("model.ckpt-100"), out);
  const TfVariables back = read_tf_checkpoint_v2(dir.str("model.ckpt-100"));
  REQUIRE(back.size() == out.size());
  const TfVariables original = fixture_variables();
  for (const auto& [name, t] : original) {
    INFO(name);
    REQUIRE(back.count(name));
    CHECK(back.at(name).shape == t.shape);
    // Adam's beta powers are recomputed as beta^(t+1): equal to TF's running product within rounding.
    if (name.ends_with("_power")) CHECK(std::abs(back.at(name).floats[0] - t.floats[0]) <= 1e-4f * t.floats[0]);  // TF: 100 float32 products
    else CHECK(back.at(name).floats == t.floats);
    CHECK(back.at(name).ints == t.ints);
  }
  const TfVariables v1 = read_tf_checkpoint_v1(write_tf_checkpoint_v1(out), "mem");
  for (const auto& [name, t] : out) {
    INFO(name);
    CHECK(v1.at(name).shape == t.shape);
    CHECK(v1.at(name).floats == t.floats);
    CHECK(v1.at(name).ints == t.ints);
  }
  write_tf_checkpoint_state(dir.str(), "model.ckpt-100");
  CHECK(latest_tf_checkpoint(dir.str()) == dir.str("model.ckpt-100"));
}

TEST_CASE("import-magenta: run_dir and bundle to a model that generate, evaluate and train take", "[magenta][cli]") {
  test::TempDir dir;
  auto r = test::run_drumrnn({"import-magenta", "--run_dir", kRunDir, "--output", dir.str("train/model.ckpt-100.safetensors")});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("drum_kit") && Catch::Contains("step 100") && Catch::Contains("Adam"));
  r = test::run_drumrnn({"import-magenta", "--bundle_file", kBundle, "--output", dir.str("bundle.safetensors")});
  REQUIRE(r.status == 0);
  const LoadedModel m = load_model(dir.str("train/model.ckpt-100.safetensors"));
  check_against_magenta(*m.model, "drum_kit_noattn.logits.safetensors");
  CHECK(load_model(dir.str("bundle.safetensors")).model->params().data == m.model->params().data);

  // evaluate's loss on the fixture's second track is Magenta's log-likelihood per step.
  const auto tracks = fixture_tracks();
  {
    TfRecordWriter w(dir.str("track.tfrecord"));
    w.write(sequence_example_serialize(encode_drum_track(drum_config("drum_kit"), tracks[1])));
    w.commit();
  }
  r = test::run_drumrnn({"evaluate", "--model", dir.str("bundle.safetensors"), "--sequence_example_file",
                         dir.str("track.tfrecord"), "--json"});
  REQUIRE(r.status == 0);
  const double loss = nlohmann::json::parse(r.out)["loss"];
  const SafetensorsFile ref = load_safetensors((kFixtures / "drum_kit_noattn.logits.safetensors").string());
  const double magenta_loss = -std::stod(ref.metadata.at("log_likelihood_1")) / double(tracks[1].size() - 1);
  CHECK(std::abs(loss - magenta_loss) <= 1e-5 * magenta_loss);

  r = test::run_drumrnn({"generate", "--model", dir.str("bundle.safetensors"), "--output_dir", dir.str("gen"),
                         "--num_outputs", "2", "--num_steps", "32", "--seed", "1"});
  REQUIRE(r.status == 0);
  CHECK(test::files_in(dir.str("gen"), ".mid").size() == 2);

  // Training resumes from the imported checkpoint, with Magenta's Adam state.
  test::write_dataset(test::repeating_dataset(drum_config("drum_kit"), 4), dir.str("train.tfrecord"));
  r = test::run_drumrnn({"train", "--config", "drum_kit", "--run_dir", dir.str(), "--sequence_example_file",
                         dir.str("train.tfrecord"), "--hparams", "batch_size=2,rnn_layer_sizes=[8,8]",
                         "--num_training_steps", "102", "--device", "cpu"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("resuming at step 100") && Catch::Contains("stopped at step 102"));
}

TEST_CASE("import-magenta: an attention run that evaluate, generate and train (resuming) take", "[magenta][attention][cli]") {
  test::TempDir dir;
  const std::string run = (kFixtures / "one_drum_attn").string();
  auto r = test::run_drumrnn({"import-magenta", "--run_dir", run, "--output", dir.str("train/model.ckpt-100.safetensors")});
  test::check_one_line_error(r, "attn_length=N");
  CHECK_FALSE(fs::exists(dir.str("train/model.ckpt-100.safetensors")));
  r = test::run_drumrnn({"import-magenta", "--run_dir", run, "--hparams", "attn_length=4", "--output",
                         dir.str("train/model.ckpt-100.safetensors")});
  INFO(r.out);
  REQUIRE(r.status == 0);
  const auto tracks = fixture_tracks();
  {
    TfRecordWriter w(dir.str("track.tfrecord"));
    w.write(sequence_example_serialize(encode_drum_track(drum_config("one_drum"), tracks[1])));
    w.commit();
  }
  r = test::run_drumrnn({"evaluate", "--model", dir.str("train/model.ckpt-100.safetensors"), "--sequence_example_file",
                         dir.str("track.tfrecord"), "--json"});
  REQUIRE(r.status == 0);
  const double loss = nlohmann::json::parse(r.out)["loss"];
  const SafetensorsFile ref = load_safetensors((kFixtures / "one_drum_attn.logits.safetensors").string());
  const double magenta_loss = -std::stod(ref.metadata.at("log_likelihood_1")) / double(tracks[1].size() - 1);
  CHECK(std::abs(loss - magenta_loss) <= 1e-5 * magenta_loss);
  r = test::run_drumrnn({"generate", "--config", "one_drum", "--model", dir.str("train/model.ckpt-100.safetensors"), "--output_dir",
                         dir.str("gen"), "--num_outputs", "1", "--num_steps", "32", "--seed", "1"});
  REQUIRE(r.status == 0);
  CHECK(test::files_in(dir.str("gen"), ".mid").size() == 1);
  test::write_dataset(test::repeating_dataset(drum_config("one_drum"), 4), dir.str("train.tfrecord"));
  r = test::run_drumrnn({"train", "--config", "one_drum", "--run_dir", dir.str(), "--sequence_example_file",
                         dir.str("train.tfrecord"), "--hparams", "batch_size=2,rnn_layer_sizes=[8,8],attn_length=4",
                         "--num_training_steps", "102", "--device", "cpu"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("resuming at step 100") && Catch::Contains("stopped at step 102"));
  // And back to Magenta: the export holds the attention variables under Magenta's names.
  r = test::run_drumrnn({"export-magenta", "--model", latest_checkpoint(dir.str("train")), "--run_dir", dir.str("out")});
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("attn_length=4"));
  const TfVariables back = read_tf_checkpoint_v2(latest_tf_checkpoint(dir.str("out/train")));
  CHECK(back.count("rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/attention/attn_w/Adam") == 1);
  CHECK(back.at("global_step").ints == std::vector<int64_t>{102});
}

TEST_CASE("import-magenta: the attention window comes from the run's graph (a bundle's, or model.ckpt-N.meta)",
          "[magenta][attention][cli]") {
  test::TempDir dir;
  const std::string run = (kFixtures / "one_drum_attn").string();
  auto r = test::run_drumrnn({"import-magenta", "--run_dir", run, "--hparams", "attn_length=4", "--output", dir.str("m.safetensors")});
  REQUIRE(r.status == 0);
  r = test::run_drumrnn({"export-magenta", "--model", dir.str("m.safetensors"), "--bundle_file", dir.str("m.mag")});
  REQUIRE(r.status == 0);
  const MagentaBundle bundle = read_magenta_bundle(dir.str("m.mag"));
  CHECK(attn_length_in_metagraph(bundle.metagraph) == 4);
  CHECK(attn_length_in_metagraph(read_magenta_bundle(kBundle).metagraph) == 0);  // no attention
  CHECK(attn_length_in_metagraph("not a graph") == 0);

  // The bundle needs no --hparams: its graph says 4 (one_drum's default would be none).
  r = test::run_drumrnn({"import-magenta", "--bundle_file", dir.str("m.mag"), "--output", dir.str("b.safetensors")});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("attention over 4 steps"));
  r = test::run_drumrnn({"import-magenta", "--bundle_file", dir.str("m.mag"), "--hparams", "attn_length=8", "--output",
                         dir.str("c.safetensors")});
  test::check_one_line_error(r, "its graph was built with attn_length=4");
  CHECK_FALSE(fs::exists(dir.str("c.safetensors")));

  // A training run: TF's Saver writes model.ckpt-N.meta beside the checkpoint, with the same wrapper.
  fs::create_directories(dir.path() / "run");
  fs::copy(fs::path(run) / "train", dir.path() / "run/train");
  test::write_bytes(dir.str("run/train/model.ckpt-100.meta"), bundle.metagraph);
  r = test::run_drumrnn({"import-magenta", "--run_dir", dir.str("run"), "--output", dir.str("r.safetensors")});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("attention over 4 steps"));
  r = test::run_drumrnn({"generate", "--run_dir", dir.str("run"), "--output_dir", dir.str("gen"), "--num_outputs", "1",
                         "--num_steps", "16", "--seed", "3"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK(test::files_in(dir.str("gen"), ".mid").size() == 1);
}

TEST_CASE("train --run_dir on a Magenta run resumes its TF checkpoint: weights, global_step and Adam's slots",
          "[magenta][attention][cli]") {
  test::TempDir dir;
  fs::create_directories(dir.path() / "run");
  fs::copy(kFixtures / "one_drum_attn/train", dir.path() / "run/train");
  test::write_dataset(test::repeating_dataset(drum_config("one_drum"), 4), dir.str("train.tfrecord"));
  auto train = [&](const std::string& hparams, const std::string& steps) {
    return test::run_drumrnn({"train", "--config", "one_drum", "--run_dir", dir.str("run"), "--sequence_example_file",
                              dir.str("train.tfrecord"), "--hparams", hparams, "--num_training_steps", steps,
                              "--device", "cpu"});
  };
  // The fixture has no model.ckpt-100.meta, so one_drum's window must be given, as for an import.
  auto r = train("batch_size=2,rnn_layer_sizes=[8,8]", "102");
  test::check_one_line_error(r, "attn_length=N");
  r = train("batch_size=2,rnn_layer_sizes=[8,8],attn_length=4", "102");
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("resuming at step 100 from Magenta's") && Catch::Contains("stopped at step 102"));
  const std::string ckpt = latest_checkpoint(dir.str("run/train"));
  REQUIRE(fs::path(ckpt).filename() == "model.ckpt-102.safetensors");
  // Adam went on from Magenta's 100 updates: a fresh optimizer would be at 2.
  CHECK(load_model(ckpt).metadata.at("adam_step") == "102");
  // The next run resumes drumrnn's own checkpoint.
  r = train("batch_size=2,rnn_layer_sizes=[8,8],attn_length=4", "103");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("resuming at step 102") && !Catch::Contains("Magenta's"));
  r = train("batch_size=2,rnn_layer_sizes=[16],attn_length=4", "104");
  test::check_one_line_error(r, "rnn_layer_sizes");
}

TEST_CASE("export-magenta writes a run directory that imports back to the same model", "[magenta][cli]") {
  test::TempDir dir;
  auto r = test::run_drumrnn({"import-magenta", "--checkpoint_file", kPrefix, "--output", dir.str("m.safetensors")});
  REQUIRE(r.status == 0);
  r = test::run_drumrnn({"export-magenta", "--model", dir.str("m.safetensors"), "--run_dir", dir.str("out")});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("drums_rnn_generate --config=drum_kit") && Catch::Contains("rnn_layer_sizes=[8,8]"));
  const TfVariables back = read_tf_checkpoint_v2(latest_tf_checkpoint(dir.str("out/train")));
  const TfVariables original = fixture_variables();
  CHECK(back.size() == original.size());
  for (const auto& [name, t] : original)
    if (!name.ends_with("_power")) CHECK(back.at(name).floats == t.floats);
  CHECK(back.at("global_step").ints == std::vector<int64_t>{100});

  // A plain model (no optimizer state) exports with a fresh Adam, so Magenta's trainer can resume.
  r = test::run_drumrnn({"export-model", "--checkpoint", dir.str("m.safetensors"), "--output", dir.str("plain.safetensors")});
  REQUIRE(r.status == 0);
  r = test::run_drumrnn({"export-magenta", "--model", dir.str("plain.safetensors"), "--run_dir", dir.str("out2")});
  REQUIRE(r.status == 0);
  const TfVariables fresh = read_tf_checkpoint_v2(latest_tf_checkpoint(dir.str("out2/train")));
  CHECK(fresh.at("beta1_power").floats == std::vector<float>{0.9f});
  CHECK(fresh.at("fully_connected/biases/Adam").floats == std::vector<float>(512, 0.0f));
}

TEST_CASE("import-magenta: bad checkpoints and bundles are one line naming the file or variable, and nothing is written", "[magenta][cli]") {
  test::TempDir dir;
  const std::string out = dir.str("model.safetensors");
  auto expect_refused = [&](std::vector<std::string> args, const std::string& needle) {
    args.insert(args.begin(), "import-magenta");
    args.push_back("--output");
    args.push_back(out);
    const auto r = test::run_drumrnn(args);
    test::check_one_line_error(r, needle);
    CHECK_FALSE(fs::exists(out));
  };
  auto write_variant = [&](const std::string& name, const TfVariables& vars) {
    fs::create_directories(dir.str(name));
    write_tf_checkpoint_v2(dir.str(name + "/model.ckpt-1"), vars);
    write_tf_checkpoint_state(dir.str(name), "model.ckpt-1");
    return dir.str(name);
  };
  TfVariables vars = fixture_variables();

  TfVariables missing = vars;
  missing.erase("fully_connected/biases");
  expect_refused({"--run_dir", write_variant("missing", missing)}, "missing variable fully_connected/biases");

  TfVariables extra = vars;
  extra["rnn/multi_rnn_cell/cell_0/residual/kernel"] = vars.at("fully_connected/biases");
  expect_refused({"--run_dir", write_variant("extra", extra)}, "unexpected variable rnn/multi_rnn_cell/cell_0/residual/kernel");

  TfVariables shape = vars;
  shape["fully_connected/biases"].shape = {256, 2};
  expect_refused({"--run_dir", write_variant("shape", shape)}, "variable fully_connected/biases has shape [256,2], expected [512]");

  expect_refused({"--run_dir", kRunDir, "--config", "melody"}, "unknown config 'melody'");
  expect_refused({"--run_dir", kRunDir, "--config", "one_drum"}, "is not one_drum's");
  expect_refused({"--run_dir", dir.str("nowhere")}, "nowhere");

  // Truncated index, corrupt data (CRC), truncated data.
  fs::copy(kFixtures / "drum_kit_noattn/train", dir.path() / "bad");
  const std::string data = dir.str("bad/model.ckpt-100.data-00000-of-00001"), index = dir.str("bad/model.ckpt-100.index");
  std::string bytes = read_file(index);
  test::write_bytes(index, bytes.substr(0, bytes.size() - 10));
  expect_refused({"--run_dir", dir.str("bad")}, "model.ckpt-100.index");
  test::write_bytes(index, bytes);
  std::string d = read_file(data);
  d[d.size() / 2] ^= 0x10;
  test::write_bytes(data, d);
  expect_refused({"--run_dir", dir.str("bad")}, "CRC mismatch");
  test::write_bytes(data, d.substr(0, d.size() / 2));
  expect_refused({"--run_dir", dir.str("bad")}, "truncated");

  // Bundles: another model's, a truncated one, a corrupt checkpoint inside.
  magenta::GeneratorBundle b;
  REQUIRE(b.ParseFromString(read_file(kBundle)));
  b.mutable_generator_details()->set_id("attention_rnn");
  test::write_bytes(dir.str("melody.mag"), b.SerializeAsString());
  expect_refused({"--bundle_file", dir.str("melody.mag")}, "generator 'attention_rnn', not a drums_rnn model");
  const std::string whole = read_file(kBundle);
  test::write_bytes(dir.str("short.mag"), whole.substr(0, whole.size() / 2));
  expect_refused({"--bundle_file", dir.str("short.mag")}, "short.mag");
  REQUIRE(b.ParseFromString(whole));
  std::string ck = b.checkpoint_file(0);
  ck[ck.size() / 3] ^= 0x01;
  b.set_checkpoint_file(0, ck);
  test::write_bytes(dir.str("corrupt.mag"), b.SerializeAsString());
  expect_refused({"--bundle_file", dir.str("corrupt.mag")}, "corrupt.mag");
  expect_refused({"--bundle_file", kBundle, "--config", "one_drum"}, "is a drum_kit bundle");
}
