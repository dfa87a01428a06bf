// The attention model against two oracles on the same weights: a torch float64 re-implementation
// (tests/fixtures/make_attention_fixture.py) and Magenta's real AttentionCellWrapper in TensorFlow
// (make_magenta_attention_fixture.py). Logits through the stepper, loss and gradients through CpuTrainer.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "expect_close.h"
#include "ml/cpu_trainer.h"
#include "ml/sequence_dataset.h"

using drumrnn::test::expect_close;
using nlohmann::json;

namespace {

json read(const char* name) {
  const std::string path = std::string(DRUMRNN_SOURCE_DIR) + "/tests/fixtures/" + name;
  std::ifstream in(path);
  if (!in) FAIL("cannot open " << path);
  return json::parse(in);
}

std::vector<double> dense(const json& e, const std::vector<size_t>& shape) {
  const auto values = e["values"].get<std::vector<double>>();
  if (!e.contains("rows")) return values;
  size_t total = 1;
  for (size_t d : shape) total *= d;
  std::vector<double> out(total, 0.0);
  const auto rows = e["rows"].get<std::vector<size_t>>();
  for (size_t k = 0; k < rows.size(); ++k)
    std::copy(values.begin() + k * shape[1], values.begin() + (k + 1) * shape[1], out.begin() + rows[k] * shape[1]);
  return out;
}

}  // namespace

TEST_CASE("attention matches torch and Magenta's TensorFlow cell: logits, loss, gradients", "[ml][attention]") {
  const json f = read("attention_reference.json");
  const json tf = read("magenta_attention_reference.json");
  const drumrnn::DrumConfig& config = drumrnn::drum_config(f["config"].get<std::string>());
  drumrnn::DrumRnn model({&config, f["layer_sizes"].get<std::vector<int>>(), f["attn_length"].get<int>()});
  const double scale = f["weight_scale"].get<double>();
  const auto& views = model.table().views();
  for (size_t i = 0; i < views.size(); ++i) {
    const auto q = dense(f["weights_q"][views[i].name], views[i].shape);
    auto dst = model.params().view(i);
    REQUIRE(q.size() == dst.size());
    for (size_t k = 0; k < q.size(); ++k) dst[k] = float(q[k] * scale);
  }
  const int C = config.num_classes;
  drumrnn::SequenceDataset data;
  data.input_size = config.input_size;
  data.steps.clear(config.input_size);
  std::vector<float> row(config.input_size), logits(C);
  size_t s = 0;
  for (const json& seq : f["sequences"]) {
    const auto inputs = seq["inputs"].get<std::vector<int>>();
    const auto labels = seq["labels"].get<std::vector<int>>();
    data.first_step.push_back(data.labels.size());
    data.lengths.push_back(int(inputs.size()));
    drumrnn::DrumRnnStepper stepper(model, 1);
    for (size_t t = 0; t < inputs.size(); ++t) {
      drumrnn::drum_input_vector_from_class(config, inputs[t], t, row.data());
      data.steps.add_row(row.data(), config.input_size);
      data.labels.push_back(labels[t]);
      const int64_t pos = int64_t(t);
      stepper.step(&inputs[t], &pos, 1, logits.data());
      for (const json* ref : {&f, &tf})
        expect_close("logits seq " + std::to_string(s) + " step " + std::to_string(t),
                     std::span<const float>(logits.data(), C),
                     std::span<const double>((*ref)["logits"][s][t].get<std::vector<double>>()), 1e-5, 1e-6);
    }
    ++s;
  }
  std::vector<size_t> all(data.examples());
  std::iota(all.begin(), all.end(), size_t{0});
  const drumrnn::PackedBatch batch = drumrnn::make_batch(data, all);
  drumrnn::CpuTrainer trainer(model, drumrnn::TrainOptions{}, 2);
  const double loss = trainer.loss_and_gradients(batch, false).loss();
  for (const json* ref : {&f, &tf}) {
    expect_close("loss", loss, (*ref)["loss"].get<double>(), 1e-6, 0.0);
    for (size_t i = 0; i < views.size(); ++i)
      expect_close("grad " + views[i].name, trainer.grads().view(i),
                   std::span<const double>(dense((*ref)["grads"][views[i].name], views[i].shape)), 1e-4, 1e-7);
  }
}
