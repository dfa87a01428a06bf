// Magenta's old attention layout (the wrapper around the whole stack, ml/attention.h) against Magenta's
// real TensorFlow code on the same weights (tests/fixtures/make_magenta_stack_attention_fixture.py):
// names and shapes, logits through the stepper, loss and gradients through CpuTrainer, and the
// import of a TF checkpoint in that layout (written here with our own writer from the fixture's weights).
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "expect_close.h"
#include "ml/checkpoint.h"
#include "ml/cpu_trainer.h"
#include "ml/magenta_model.h"
#include "ml/sequence_dataset.h"
#include "test_support.h"
#include "train_fixtures.h"

using namespace drumrnn;
using drumrnn::test::expect_close;
using nlohmann::json;

namespace {

const json& fixture() {
  static const json f = [] {
    const std::string path = std::string(DRUMRNN_SOURCE_DIR) + "/tests/fixtures/magenta_stack_attention_reference.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return json::parse(in);
  }();
  return f;
}

DrumRnnShape fixture_shape() {
  const json& f = fixture();
  return {&drum_config(f["config"].get<std::string>()), f["layer_sizes"].get<std::vector<int>>(),
          f["attn_length"].get<int>(), true};
}

// The fixture's weights as a TF checkpoint's variables, under TF's names.
TfVariables fixture_variables() {
  TfVariables vars;
  for (const json& v : fixture()["variables"]) {
    TfTensor t;
    for (int64_t d : v[1].get<std::vector<int64_t>>()) t.shape.push_back(d);
    for (double w : fixture()["weights"][v[0].get<std::string>()]) t.floats.push_back(float(w));
    vars.emplace(v[0].get<std::string>(), std::move(t));
  }
  return vars;
}

void load_fixture_weights(DrumRnn& model) {
  const auto& views = model.table().views();
  for (size_t i = 0; i < views.size(); ++i) {
    const auto w = fixture()["weights"][views[i].name].get<std::vector<double>>();
    auto dst = model.params().view(i);
    REQUIRE(w.size() == dst.size());
    for (size_t k = 0; k < w.size(); ++k) dst[k] = float(w[k]);
  }
}

// The fixture's logits through a stepper, one sequence at a time.
void check_logits(const DrumRnn& model, double rtol) {
  const int C = model.shape().num_classes();
  std::vector<float> logits(C);
  size_t s = 0;
  for (const json& seq : fixture()["sequences"]) {
    const auto events = seq.get<std::vector<int>>();
    DrumRnnStepper stepper(model, 1);
    for (size_t t = 0; t + 1 < events.size(); ++t) {
      const int64_t pos = int64_t(t);
      stepper.step(&events[t], &pos, 1, logits.data());
      expect_close("logits seq " + std::to_string(s) + " step " + std::to_string(t), std::span<const float>(logits),
                   std::span<const double>(fixture()["logits"][s][t].get<std::vector<double>>()), rtol, 1e-6);
    }
    ++s;
  }
}

}  // namespace

TEST_CASE("attention stack: parameters carry the old layout's TF names and shapes, in TF's order", "[ml][attention]") {
  DrumRnn model(fixture_shape());
  const json& vars = fixture()["variables"];
  const auto& views = model.table().views();
  REQUIRE(views.size() == vars.size());
  for (size_t i = 0; i < views.size(); ++i) {
    CHECK(views[i].name == vars[i][0].get<std::string>());
    CHECK(views[i].shape == vars[i][1].get<std::vector<size_t>>());
  }
  // The published drum_kit's old layout: query over (c, h) of three 256-unit layers.
  DrumRnn kit({&drum_config("drum_kit"), {256, 256, 256}, 32, true});
  CHECK(kit.table().views()[0].name == "rnn/attention_cell_wrapper/kernel");
  CHECK(kit.params().view(kit.table().views().size() - 6).size() == 1536u * 256u);  // attention/kernel
  CHECK(kit.state_size() == 6 * 256 + 256 * (1 + 2 * 32));
}

TEST_CASE("attention stack matches Magenta's TensorFlow cell: logits, loss, gradients", "[ml][attention]") {
  const json& f = fixture();
  DrumRnn model(fixture_shape());
  load_fixture_weights(model);
  check_logits(model, 1e-5);

  const DrumConfig& config = *model.shape().config;
  SequenceDataset data;
  data.input_size = config.input_size;
  data.steps.clear(config.input_size);
  std::vector<float> row(config.input_size);
  for (const json& seq : f["sequences"]) {
    const auto events = seq.get<std::vector<int>>();
    data.first_step.push_back(data.labels.size());
    data.lengths.push_back(int(events.size()) - 1);
    for (size_t t = 0; t + 1 < events.size(); ++t) {
      drum_input_vector_from_class(config, events[t], t, row.data());
      data.steps.add_row(row.data(), config.input_size);
      data.labels.push_back(events[t + 1]);
    }
  }
  std::vector<size_t> all(data.examples());
  std::iota(all.begin(), all.end(), size_t{0});
  const PackedBatch batch = make_batch(data, all);
  CpuTrainer trainer(model, TrainOptions{}, 2);
  const double loss = trainer.loss_and_gradients(batch, false).loss();
  expect_close("loss", loss, f["loss"].get<double>(), 1e-6, 0.0);
  const auto& views = model.table().views();
  for (size_t i = 0; i < views.size(); ++i)
    expect_close("grad " + views[i].name, trainer.grads().view(i),
                 std::span<const double>(f["grads"][views[i].name].get<std::vector<double>>()), 1e-4, 1e-7);
}

TEST_CASE("attention stack: a TF checkpoint in the old layout imports, gives TF's logits, exports the same names",
          "[ml][attention][magenta]") {
  test::TempDir dir;
  const std::string prefix = dir.str("model.ckpt-7");
  TfVariables vars = fixture_variables();
  TfTensor step;
  step.type = TfTensor::Type::int64;
  step.ints = {7};
  vars.emplace("global_step", step);
  write_tf_checkpoint_v2(prefix, vars);
  MagentaModel m = model_from_magenta(read_tf_checkpoint_v2(prefix), prefix, "", "attn_length=4");
  REQUIRE(m.loaded.model->attention_wraps_stack());
  CHECK(m.loaded.model->shape().attn_length == 4);
  CHECK(m.loaded.hparams.rnn_layer_sizes == fixture()["layer_sizes"].get<std::vector<int>>());
  CHECK(m.loaded.step == 7);
  check_logits(*m.loaded.model, 1e-5);

  // Export writes every variable back under the name it came in with.
  const TfVariables back = magenta_model_variables(*m.loaded.model);
  for (const auto& [name, t] : fixture_variables()) {
    INFO(name);
    REQUIRE(back.count(name));
    CHECK(back.at(name).shape == t.shape);
    CHECK(back.at(name).floats == t.floats);
  }
  CHECK(back.size() == fixture_variables().size());

  // Through our safetensors file and back: the layout comes from the tensor names.
  save_model(dir.str("m.safetensors"), *m.loaded.model, m.loaded.hparams, m.loaded.step, nullptr, {});
  LoadedModel again = load_model(dir.str("m.safetensors"));
  REQUIRE(again.model->attention_wraps_stack());
  CHECK(again.model->shape().attn_length == 4);
  CHECK(again.model->params().data == m.loaded.model->params().data);
}

TEST_CASE("attention stack: TF 1.0/1.1 names (weights, biases) and magenta-js's attention_output_projection import",
          "[ml][attention][magenta]") {
  TfVariables vars;
  for (auto& [name, t] : fixture_variables()) {
    std::string n = name;
    const std::string P = "rnn/attention_cell_wrapper/";
    if (n.compare(0, P.size(), P) == 0) {
      if (n.size() > 7 && n.compare(n.size() - 7, 7, "/kernel") == 0) n = n.substr(0, n.size() - 7) + "/weights";
      else if (n.size() > 5 && n.compare(n.size() - 5, 5, "/bias") == 0) n = n.substr(0, n.size() - 5) + "/biases";
      const size_t at = n.find("attn_output_projection");
      if (at != std::string::npos) n.replace(at, 22, "attention_output_projection");
    }
    vars.emplace(n, t);
  }
  REQUIRE(vars.count("rnn/attention_cell_wrapper/attention_output_projection/weights"));
  MagentaModel m = model_from_magenta(vars, "old.ckpt", "one_drum", "attn_length=4");
  check_logits(*m.loaded.model, 1e-5);
  // No tensor holds the window, and one_drum has no Magenta default for it: it must be given.
  CHECK_THROWS_WITH(model_from_magenta(vars, "old.ckpt", "one_drum"),
                    Catch::Contains("old.ckpt") && Catch::Contains("attn_length=N"));
}

TEST_CASE("attention stack: a missing, extra or misshapen old-layout variable is one line naming it",
          "[ml][attention][magenta]") {
  auto message = [](const TfVariables& vars) {
    try {
      model_from_magenta(vars, "old.ckpt", "", "attn_length=4");
    } catch (const TfFormatError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const std::string P = "rnn/attention_cell_wrapper/";
  for (const std::string name : {P + "attention/attn_v", P + "attn_output_projection/kernel", P + "bias",
                                 P + "multi_rnn_cell/cell_1/basic_lstm_cell/bias"}) {
    TfVariables vars = fixture_variables();
    vars.erase(name);
    const std::string msg = message(vars);
    INFO(msg);
    CHECK(msg.find("old.ckpt: missing variable " + name) == 0);
    CHECK(msg.find('\n') == std::string::npos);
  }
  TfVariables extra = fixture_variables();
  extra.emplace(P + "attention/attn_u", extra.at(P + "attention/attn_v"));
  CHECK(message(extra).find("unexpected variable " + P + "attention/attn_u") != std::string::npos);
  TfVariables wrong = fixture_variables();
  wrong.at(P + "attention/kernel").shape = {14, 12};
  const std::string msg = message(wrong);
  INFO(msg);
  CHECK(msg.find("variable " + P + "attention/kernel has shape [14,12], expected [28,6]") != std::string::npos);
  TfVariables twice = fixture_variables();
  twice.emplace(P + "attention_output_projection/bias", twice.at(P + "attn_output_projection/bias"));
  CHECK(message(twice).find("both read as " + P + "attn_output_projection/bias") != std::string::npos);
}

TEST_CASE("attention stack: import-magenta, then generate, evaluate and train (resume) take the model",
          "[ml][attention][magenta][cli]") {
  test::TempDir dir;
  // A Magenta training checkpoint in the old layout (fresh Adam slots), as our writer writes it.
  DrumRnn model(fixture_shape());
  load_fixture_weights(model);
  std::filesystem::create_directories(dir.str("tf"));
  write_tf_checkpoint_v2(dir.str("tf/model.ckpt-7"), magenta_from_model(model, 7, nullptr));
  const std::string run = dir.str("run");
  auto r = test::run_drumrnn({"import-magenta", "--checkpoint_file", dir.str("tf/model.ckpt-7"), "--output",
                              run + "/train/model.ckpt-7.safetensors", "--hparams", "attn_length=4"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  const DrumConfig& config = drum_config("one_drum");
  test::write_dataset(test::repeating_dataset(config, 3), dir.str("d.tfrecord"));
  r = test::run_drumrnn({"generate", "--config", "one_drum", "--run_dir", run, "--output_dir", dir.str("gen"),
                         "--num_outputs", "1", "--num_steps", "16"});
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(test::files_in(dir.str("gen"), ".mid").size() == 1);
  r = test::run_drumrnn({"evaluate", "--run_dir", run, "--sequence_example_file", dir.str("d.tfrecord"), "--json"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK(nlohmann::json::parse(r.out)["step"] == 7);
  r = test::run_drumrnn({"train", "--config", "one_drum", "--run_dir", run, "--sequence_example_file",
                         dir.str("d.tfrecord"), "--hparams", "batch_size=2,rnn_layer_sizes=[8,6],attn_length=4,dropout_keep_prob=0.5",
                         "--num_training_steps", "9", "--checkpoint_steps", "1"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("resuming at step 7") && Catch::Contains("stopped at step 9"));
  const LoadedModel m = load_model(latest_checkpoint(run + "/train"));
  CHECK(m.step == 9);
  CHECK(m.model->attention_wraps_stack());
  CHECK(m.model->params().data != model.params().data);  // it trained
}
