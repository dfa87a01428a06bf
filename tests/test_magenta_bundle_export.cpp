// export-magenta --bundle_file: the .mag that Magenta's drums_rnn_generate --bundle_file loads. Its
// checkpoint reads back to the model's parameters, and its MetaGraphDef (Magenta's own graph,
// ml/magenta_metagraph.h) has the collections Magenta's generator runs and the model's variables, shape
// for shape. That Magenta really generates from it is checked by tests/fixtures/magenta/
// magenta_round_trip.sh; here, drumrnn's logits are held to Magenta's through one such bundle.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ml/checkpoint.h"
#include "ml/hparams.h"
#include "ml/magenta_bundle.h"
#include "ml/magenta_metagraph.h"
#include "ml/magenta_model.h"
#include "ml/safetensors.h"
#include "ml/tf_checkpoint.h"
#include "test_support.h"
#include "magenta_fixtures.h"
#include "tf_graph.pb.h"

using namespace drumrnn;
namespace fs = std::filesystem;

namespace {

using namespace test::magenta;

// A model file of the given shape with Glorot weights.
std::string write_model(const test::TempDir& dir, const std::string& name, const std::string& config,
                        std::vector<int> layers, int attn_length) {
  const DrumConfig& dc = drum_config(config);
  DrumRnn model(DrumRnnShape{&dc, layers, attn_length});
  model.init_glorot(7);
  HParams h = default_hparams(config);
  h.rnn_layer_sizes = layers;
  h.attn_length = attn_length;
  const std::string path = dir.str(name);
  save_model(path, model, h, 3, nullptr);
  return path;
}

std::string dims(const tensorflow::TensorShapeProto& s) {
  std::string t = "[";
  for (int i = 0; i < s.dim_size(); ++i) t += (i ? "," : "") + std::to_string(s.dim(i).size());
  return t + "]";
}

const tensorflow::NodeDef* find_node(const tensorflow::GraphDef& g, const std::string& tensor) {
  const std::string name = tensor.substr(0, tensor.find(':'));
  for (const auto& n : g.node())
    if (n.name() == name) return &n;
  return nullptr;
}

// Every number in a shape or an integer constant of the graph.
std::vector<int64_t> graph_numbers(const tensorflow::GraphDef& g) {
  std::vector<int64_t> out;
  auto shape = [&](const tensorflow::TensorShapeProto& s) {
    for (const auto& d : s.dim()) out.push_back(d.size());
  };
  auto tensor = [&](const tensorflow::TensorProto& t) {
    shape(t.tensor_shape());
    out.insert(out.end(), t.int_val().begin(), t.int_val().end());
    out.insert(out.end(), t.int64_val().begin(), t.int64_val().end());
    if (t.dtype() == tensorflow::DT_INT32)
      for (size_t at = 0; at + 4 <= t.tensor_content().size(); at += 4) {
        int32_t v;
        std::memcpy(&v, t.tensor_content().data() + at, 4);
        out.push_back(v);
      }
  };
  for (const auto& n : g.node())
    for (const auto& [key, a] : n.attr()) {
      if (a.has_shape()) shape(a.shape());
      if (a.has_tensor()) tensor(a.tensor());
      if (a.has_list())
        for (const auto& s : a.list().shape()) shape(s);
    }
  return out;
}

// Exports `model_path` as a bundle and checks it against the model.
void check_bundle(const std::string& model_path, const test::TempDir& dir) {
  const std::string mag = dir.str(fs::path(model_path).stem().string() + ".mag");
  const auto r = test::run_drumrnn({"export-magenta", "--model", model_path, "--bundle_file", mag,
                                    "--bundle_description", "a test"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("drums_rnn_generate --bundle_file=" + mag));
  const LoadedModel m = load_model(model_path);
  const DrumRnn& model = *m.model;
  const DrumRnnShape& s = model.shape();
  const MagentaBundle b = read_magenta_bundle(mag);
  CHECK(b.generator_id == s.config->name);
  CHECK(b.bundle_description == "a test");

  // The checkpoint: every variable of the model, bit for bit, and nothing else.
  const TfVariables back = read_tf_checkpoint_v1(b.checkpoint, mag);
  const TfVariables want = magenta_model_variables(model);
  CHECK(back.size() == want.size());
  for (const auto& [name, t] : want) {
    INFO(name);
    REQUIRE(back.count(name));
    CHECK(back.at(name).shape == t.shape);
    CHECK(back.at(name).floats == t.floats);
  }

  // The metagraph: Magenta's collections, naming nodes of the graph; a V1 saver; the model's variables.
  tensorflow::MetaGraphDef mg;
  REQUIRE(mg.ParseFromString(b.metagraph));
  const tensorflow::GraphDef& g = mg.graph_def();
  const size_t states = 2 * s.layer_sizes.size() + (s.attn_length > 0 ? 2 : 0);  // (c, h) per layer; attns, window
  for (const auto& [key, count] : std::vector<std::pair<std::string, size_t>>{
           {"inputs", 1}, {"temperature", 1}, {"softmax", 1}, {"initial_state", states}, {"final_state", states}}) {
    INFO(key);
    REQUIRE(mg.collection_def().count(key));
    const auto& list = mg.collection_def().at(key).node_list().value();
    CHECK(size_t(list.size()) == count);
    for (const auto& tensor : list) CHECK(find_node(g, tensor) != nullptr);
  }
  const tensorflow::NodeDef* inputs = find_node(g, mg.collection_def().at("inputs").node_list().value(0));
  REQUIRE(inputs);
  CHECK(dims(inputs->attr().at("shape").shape()) == "[1,-1," + std::to_string(s.input_size()) + "]");
  CHECK(mg.saver_def().version() == tensorflow::SaverDef::V1);
  CHECK(find_node(g, mg.saver_def().restore_op_name()) != nullptr);
  CHECK(find_node(g, mg.saver_def().filename_tensor_name()) != nullptr);
  std::map<std::string, std::string> graph_vars, model_vars;
  for (const auto& n : g.node())
    if (n.op() == "VariableV2") graph_vars[n.name()] = dims(n.attr().at("shape").shape());
  for (const auto& [name, t] : want) {
    tensorflow::TensorShapeProto shape;
    for (int64_t d : t.shape) shape.add_dim()->set_size(d);
    model_vars[name] = dims(shape);
  }
  CHECK(graph_vars == model_vars);
}

std::vector<std::vector<int>> fixture_tracks() {
  std::ifstream in(kFixtures / "events.json");
  std::vector<std::vector<int>> out;  // drumrnn classes
  for (const auto& track : nlohmann::json::parse(in)) {
    out.emplace_back();
    for (const auto& e : track) {
      PitchSet p;
      for (int pitch : e) p.insert(pitch);
      out.back().push_back(encode_drum_event(drum_config("one_drum"), p));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("export-magenta --bundle_file: Magenta's graph and checkpoint for drum_kit and one_drum, with and without attention", "[magenta][cli]") {
  test::TempDir dir;
  // Magenta's own drum_kit [8,8] run, imported.
  auto r = test::run_drumrnn({"import-magenta", "--run_dir", (kFixtures / "drum_kit_noattn").string(), "--output",
                              dir.str("dk_noattn.safetensors")});
  REQUIRE(r.status == 0);
  check_bundle(dir.str("dk_noattn.safetensors"), dir);
  // It imports back to the same parameters.
  r = test::run_drumrnn({"import-magenta", "--bundle_file", dir.str("dk_noattn.mag"), "--output", dir.str("back.safetensors")});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK(load_model(dir.str("back.safetensors")).model->params().data ==
        load_model(dir.str("dk_noattn.safetensors")).model->params().data);

  check_bundle((kFixtures / "drumrnn_one_drum_attn.safetensors").string(), dir);  // one_drum [8,8], attn 4
  check_bundle(write_model(dir, "od_one_layer.safetensors", "one_drum", {5}, 0), dir);
  check_bundle(write_model(dir, "dk_attn3.safetensors", "drum_kit", {6, 4, 3}, 2), dir);
  check_bundle(write_model(dir, "od_attn1.safetensors", "one_drum", {3, 9}, 1), dir);
}

TEST_CASE("export-magenta --bundle_file: no size of Magenta's template graph is left in a small model's", "[magenta][cli]") {
  test::TempDir dir;
  // one_drum [7,5] with attention 3: every size-derived number is below the templates' smallest (36).
  const std::string model = write_model(dir, "small.safetensors", "one_drum", {7, 5}, 3);
  const auto r = test::run_drumrnn({"export-magenta", "--model", model, "--bundle_file", dir.str("small.mag")});
  REQUIRE(r.status == 0);
  tensorflow::MetaGraphDef mg;
  REQUIRE(mg.ParseFromString(read_magenta_bundle(dir.str("small.mag")).metagraph));
  for (int64_t v : graph_numbers(mg.graph_def())) CHECK(v < 33);
}

TEST_CASE("Magenta's logits through drumrnn's exported bundle are drumrnn's (one_drum, attention)", "[magenta]") {
  // drumrnn_one_drum_attn.logits.safetensors: magenta_logits.py --bundle_file on this model's export.
  const LoadedModel m = load_model((kFixtures / "drumrnn_one_drum_attn.safetensors").string());
  REQUIRE(m.model->shape().attn_length == 4);
  const SafetensorsFile ref = load_safetensors((kFixtures / "drumrnn_one_drum_attn.logits.safetensors").string());
  const auto tracks = fixture_tracks();
  const int C = m.model->shape().num_classes();
  for (size_t t = 0; t < tracks.size(); ++t) {
    DrumRnnStepper stepper(*m.model, 1);
    const auto& expected = ref.tensors.at("logits_" + std::to_string(t)).data;
    REQUIRE(expected.size() == tracks[t].size() * size_t(C));
    std::vector<float> got(expected.size());
    for (size_t p = 0; p < tracks[t].size(); ++p) {
      const int64_t pos = int64_t(p);
      stepper.step(&tracks[t][p], &pos, 1, got.data() + p * C);
    }
    for (size_t i = 0; i < got.size(); ++i)
      if (std::abs(double(got[i]) - expected[i]) > 1e-5 * std::abs(expected[i]) + 1e-6)
        FAIL("track " << t << " logit " << i << ": " << got[i] << " vs Magenta " << expected[i]);
  }
}

TEST_CASE("export-magenta --bundle_file: bad input fails in one line naming the file, and nothing is written", "[magenta][cli]") {
  test::TempDir dir;
  const std::string out = dir.str("out.mag");
  auto refused = [&](const std::string& model, const std::string& needle) {
    const auto r = test::run_drumrnn({"export-magenta", "--model", model, "--bundle_file", out});
    test::check_one_line_error(r, needle);
    CHECK_FALSE(fs::exists(out));
  };
  test::write_bytes(dir.str("junk.safetensors"), "not a model at all");
  refused(dir.str("junk.safetensors"), "junk.safetensors");
  refused((kFixtures / "drum_kit_noattn.mag").string(), "drum_kit_noattn.mag");  // a bundle is not a model
  refused(dir.str("absent.safetensors"), "absent.safetensors");
  refused(write_model(dir, "four.safetensors", "one_drum", {4, 4, 4, 4}, 0), "four.safetensors: a 4-layer model");
}

TEST_CASE("Magenta metagraph rewriter: a number no size explains, or a function library, is refused", "[magenta]") {
  const MagentaGraphSizes from{518, 512, {41}, 0}, to{2, 2, {8}, 0};
  tensorflow::MetaGraphDef mg;
  auto* n = mg.mutable_graph_def()->add_node();
  n->set_name("c");
  n->set_op("Const");
  auto& t = *(*n->mutable_attr())["value"].mutable_tensor();
  t.set_dtype(tensorflow::DT_INT32);
  t.add_int_val(41);
  t.add_int_val(164);
  tensorflow::MetaGraphDef back;
  REQUIRE(back.ParseFromString(rewrite_magenta_metagraph(mg.SerializeAsString(), from, to, "t.meta")));
  CHECK(back.graph_def().node(0).attr().at("value").tensor().int_val(0) == 8);
  CHECK(back.graph_def().node(0).attr().at("value").tensor().int_val(1) == 32);
  t.add_int_val(1234);
  CHECK_THROWS_WITH(rewrite_magenta_metagraph(mg.SerializeAsString(), from, to, "t.meta"),
                    Catch::Contains("t.meta: node c holds the number 1234"));
  t.mutable_int_val()->RemoveLast();
  // GraphDef.library (field 2), even an empty one: a function library the rewriter would not patch.
  tensorflow::GraphDef g = mg.graph_def();
  std::string graph = g.SerializeAsString() + std::string("\x12\x00", 2);
  std::string meta = std::string("\x12") + char(graph.size()) + graph;
  CHECK_THROWS_WITH(rewrite_magenta_metagraph(meta, from, to, "t.meta"), Catch::Contains("function library"));
}

// A training run's graph (TF 2 control flow) keeps the wrapper's Reshape in the while loop's body, a
// function of the library, and its shape as tensor_content; a bundle's (TF 1) keeps it in the graph,
// as int_val. Both give the window. (Checked by hand on a real drums_rnn_train run's model.ckpt-N.meta.)
TEST_CASE("attn_length_in_metagraph finds the window in the graph or in a function of its library", "[magenta]") {
  auto reshape_shape = [](tensorflow::NodeDef& n, const std::string& name, std::vector<int32_t> v, bool packed) {
    n.set_name(name);
    n.set_op("Const");
    auto& t = *(*n.mutable_attr())["value"].mutable_tensor();
    t.set_dtype(tensorflow::DT_INT32);
    t.mutable_tensor_shape()->add_dim()->set_size(int64_t(v.size()));
    if (packed)
      t.set_tensor_content(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int32_t)));
    else
      for (int32_t x : v) t.add_int_val(x);
  };
  const std::string wrapper = "rnn/multi_rnn_cell/cell_0/cell_0/attention_cell_wrapper/";
  tensorflow::MetaGraphDef training;
  auto* body = training.mutable_graph_def()->mutable_library()->add_function();
  // The attention head's own reshape ([-1, L, 1, A]) must not be taken for the window's.
  reshape_shape(*body->add_node_def(), wrapper + "attention/Reshape/shape", {-1, 7, 1, 8}, true);
  reshape_shape(*body->add_node_def(), wrapper + "Reshape/shape", {-1, 5, 8}, true);
  CHECK(attn_length_in_metagraph(training.SerializeAsString()) == 5);

  tensorflow::MetaGraphDef bundle;
  reshape_shape(*bundle.mutable_graph_def()->add_node(), "rnn/while/" + wrapper + "Reshape/shape", {-1, 32, 256}, false);
  CHECK(attn_length_in_metagraph(bundle.SerializeAsString()) == 32);

  tensorflow::MetaGraphDef plain;
  reshape_shape(*plain.mutable_graph_def()->add_node(), "rnn/while/Reshape/shape", {-1, 5, 8}, false);
  CHECK(attn_length_in_metagraph(plain.SerializeAsString()) == 0);
}
