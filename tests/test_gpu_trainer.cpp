// The CUDA trainer against the CPU trainer on the same model and batches: logits (against the
// stepper, step by step), every gradient, evaluation metrics, twenty steps of loss curve from one
// init (with and without dropout: both devices draw the same masks), and a run moved from one device
// to the other mid-way (the optimizer-state seam). Device buffers are poisoned (NaN) before each
// check, so a kernel that skips an element fails. Without a device (or a CUDA build) the executable
// says why and exits 77, which CTest reports as a skip.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#ifdef DRUMRNN_HAVE_CUDA
#include "expect_close.h"
#include "ml/cpu_trainer.h"
#include "ml/cuda_trainer.h"
#include "ml/drum_rnn.h"
#include "ml/sequence_dataset.h"
#include "music/drum_encoding.h"

namespace {

using namespace drumrnn;
using drumrnn::test::expect_close;

constexpr float kPoison = std::numeric_limits<float>::quiet_NaN();

// Random drum sequences (a few frequent classes, as in real tracks) with varied lengths, two equal.
struct Data {
  SequenceDataset set;
  std::vector<std::vector<int>> classes;  // per sequence: its input classes
};

Data random_drums(const DrumConfig& c, std::vector<int> lengths, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int vocab[] = {0, 0, 0, 1, 2, 4, 5, 6, 3, 8, 12, 260, 129, 511};
  std::uniform_int_distribution<size_t> pick(0, std::size(vocab) - 1);
  Data d;
  d.set.input_size = c.input_size;
  d.set.steps.clear(c.input_size);
  std::vector<float> row(c.input_size);
  for (int n : lengths) {
    std::vector<int> events(n + 1);
    for (int& e : events) e = vocab[pick(rng)] % c.num_classes;
    d.set.first_step.push_back(d.set.labels.size());
    d.set.lengths.push_back(n);
    for (int t = 0; t < n; ++t) {
      drum_input_vector_from_class(c, events[t], size_t(t), row.data());
      d.set.steps.add_row(row.data(), c.input_size);
      d.set.labels.push_back(events[t + 1]);
    }
    events.pop_back();
    d.classes.push_back(events);
  }
  return d;
}

PackedBatch whole_batch(const SequenceDataset& d) {
  std::vector<size_t> all(d.examples());
  std::iota(all.begin(), all.end(), size_t{0});
  return make_batch(d, all);
}

const DrumConfig& kit() { return drum_config("drum_kit"); }

struct Setup {
  std::vector<int> layers;
  std::vector<int> lengths;
};

const std::vector<Setup>& setups() {
  static const std::vector<Setup> s = {{{64, 64}, {40, 33, 33, 17, 5, 1}}, {{48, 32}, {25, 25, 9, 3}}};
  return s;
}

std::string name(const Setup& s) { return "layers " + std::to_string(s.layers[0]) + "," + std::to_string(s.layers[1]); }

}  // namespace

TEST_CASE("GPU logits match the CPU stepper's, sequence by sequence", "[gpu]") {
  for (const Setup& s : setups()) {
    INFO(name(s));
    const Data data = random_drums(kit(), s.lengths, 3);
    const PackedBatch batch = whole_batch(data.set);
    DrumRnn model({&kit(), s.layers});
    model.init_glorot(5);
    CudaTrainer gpu(model, TrainOptions{});
    const int C = kit().num_classes;
    std::vector<float> logits(size_t(batch.rows()) * C);
    gpu.logits(batch, logits.data());  // sizes every device buffer
    gpu.poison_device_buffers();
    std::fill(logits.begin(), logits.end(), kPoison);
    gpu.logits(batch, logits.data());
    // make_batch keeps equal lengths in input order (stable sort): packed sequence i is example i here.
    DrumRnnStepper stepper(model, 1);
    std::vector<float> ref(C);
    for (size_t i = 0; i < data.classes.size(); ++i) {
      stepper.reset();
      for (int t = 0; t < batch.lengths[i]; ++t) {
        const int cls = data.classes[i][t];
        const int64_t pos = t;
        stepper.step(&cls, &pos, 1, ref.data());
        const size_t row = size_t(batch.offsets[t]) + i;
        expect_close("logits seq " + std::to_string(i) + " step " + std::to_string(t),
                     std::span<const float>(logits.data() + row * C, C), std::span<const float>(ref), 1e-4, 1e-6);
      }
    }
  }
}

TEST_CASE("GPU loss, metrics and every gradient match the CPU trainer", "[gpu]") {
  for (const Setup& s : setups()) {
    for (float keep : {1.0f, 0.5f}) {
      INFO(name(s) << ", keep " << keep);
      const PackedBatch batch = whole_batch(random_drums(kit(), s.lengths, 7).set);
      DrumRnn model({&kit(), s.layers});
      model.init_glorot(9);
      TrainOptions opt;
      opt.dropout_keep_prob = keep;
      opt.seed = 4;
      CpuTrainer cpu(model, opt, 2);
      CudaTrainer gpu(model, opt);
      const XentTotals want = cpu.loss_and_gradients(batch, true);
      gpu.loss_and_gradients(batch, true);
      gpu.poison_device_buffers();
      const XentTotals got = gpu.loss_and_gradients(batch, true);
      expect_close("loss", got.loss(), want.loss(), 1e-5, 0.0);
      CHECK(got.steps == want.steps);
      CHECK(got.event_steps == want.event_steps);
      const auto& views = model.table().views();
      const ParamBuffer& g = gpu.grads();
      const ParamBuffer& c = cpu.grads();
      for (size_t i = 0; i < views.size(); ++i)
        expect_close("grad " + views[i].name, g.view(i), c.view(i), 1e-3, 1e-6);

      gpu.poison_device_buffers();
      const XentTotals ge = gpu.evaluate(batch, true), ce = cpu.evaluate(batch, true);
      expect_close("eval loss", ge.loss(), ce.loss(), 1e-5, 0.0);
      CHECK(ge.correct == ce.correct);
      CHECK(ge.event_correct == ce.event_correct);
      CHECK(ge.no_event_correct == ce.no_event_correct);
      CHECK(ge.class_correct == ce.class_correct);
    }
  }
}

TEST_CASE("twenty GPU training steps follow the CPU's loss curve from one init", "[gpu]") {
  for (float keep : {1.0f, 0.5f}) {
    INFO("keep " << keep);
    const Setup& s = setups()[0];
    const PackedBatch batch = whole_batch(random_drums(kit(), s.lengths, 11).set);
    DrumRnn cpu_model({&kit(), s.layers}), gpu_model({&kit(), s.layers});
    cpu_model.init_glorot(13);
    gpu_model.init_glorot(13);
    TrainOptions opt;
    opt.learning_rate = 0.005f;
    opt.clip_norm = 1.0f;  // so clipping engages
    opt.dropout_keep_prob = keep;
    opt.seed = 2;
    CpuTrainer cpu(cpu_model, opt, 2);
    CudaTrainer gpu(gpu_model, opt);
    std::vector<double> cpu_loss, gpu_loss, cpu_norm, gpu_norm;
    for (int k = 0; k < 20; ++k) {
      const TrainStepStats a = cpu.train_step(batch), b = gpu.train_step(batch);
      REQUIRE(b.applied);
      cpu_loss.push_back(a.totals.loss());
      gpu_loss.push_back(b.totals.loss());
      cpu_norm.push_back(a.grad_norm);
      gpu_norm.push_back(b.grad_norm);
    }
    CHECK(gpu_loss.back() < gpu_loss.front());
    expect_close("loss curve", std::span<const double>(gpu_loss), std::span<const double>(cpu_loss), 1e-3, 0.0);
    expect_close("grad norms", std::span<const double>(gpu_norm), std::span<const double>(cpu_norm), 1e-2, 0.0);
    gpu.sync_to_host();
    CHECK(gpu.optimizer().step == cpu.optimizer().step);
    expect_close("weights after 20 steps", std::span<const float>(gpu_model.params().data),
                 std::span<const float>(cpu_model.params().data), 1e-2, 1e-3);
  }
}

TEST_CASE("a run moves between devices with its Adam state (sync_to_host / sync_from_host)", "[gpu]") {
  const Setup& s = setups()[1];
  const PackedBatch batch = whole_batch(random_drums(kit(), s.lengths, 17).set);
  TrainOptions opt;
  opt.learning_rate = 0.01f;
  DrumRnn straight({&kit(), s.layers}), moved({&kit(), s.layers});
  straight.init_glorot(19);
  moved.init_glorot(19);
  CpuTrainer reference(straight, opt, 1);
  for (int k = 0; k < 10; ++k) reference.train_step(batch);

  // Five steps on the CPU, five on the GPU resumed from the CPU's state, as a checkpoint would.
  CpuTrainer first(moved, opt, 1);
  for (int k = 0; k < 5; ++k) first.train_step(batch);
  CudaTrainer second(moved, opt);
  second.optimizer().m.data = first.optimizer().m.data;
  second.optimizer().v.data = first.optimizer().v.data;
  second.optimizer().step = first.optimizer().step;
  second.sync_from_host();
  for (int k = 0; k < 5; ++k) second.train_step(batch);
  std::fill(moved.params().data.begin(), moved.params().data.end(), kPoison);
  second.sync_to_host();
  CHECK(second.optimizer().step == 10);
  expect_close("weights", std::span<const float>(moved.params().data), std::span<const float>(straight.params().data),
               1e-3, 1e-4);
  expect_close("adam m", std::span<const float>(second.optimizer().m.data),
               std::span<const float>(reference.optimizer().m.data), 1e-2, 1e-6);
  // Zeroed moments (the bug this seam fixes) would move the weights much further than this.
  expect_close("eval loss", second.evaluate(batch, false).loss(), reference.evaluate(batch, false).loss(), 1e-4, 0.0);
}

TEST_CASE("a non-finite loss refuses the GPU update and leaves weights and moments alone", "[gpu]") {
  const Setup& s = setups()[1];
  const PackedBatch batch = whole_batch(random_drums(kit(), s.lengths, 23).set);
  DrumRnn model({&kit(), s.layers});
  model.init_glorot(29);
  CudaTrainer gpu(model, TrainOptions{});
  gpu.train_step(batch);
  gpu.sync_to_host();
  const std::vector<float> w = model.params().data, m = gpu.optimizer().m.data;
  model.params().data[model.table().views()[model.fc_biases_index()].offset] = std::numeric_limits<float>::infinity();
  gpu.sync_from_host();
  const TrainStepStats st = gpu.train_step(batch);
  CHECK_FALSE(st.applied);
  CHECK(gpu.optimizer().step == 1);
  gpu.sync_to_host();
  CHECK(gpu.optimizer().m.data == m);
}

int main(int argc, char** argv) {
  std::string why;
  const DrumRnn probe({&kit(), {8}});
  if (!cuda_trainer_available(probe, why)) {
    std::printf("SKIPPED: test_gpu_trainer needs a CUDA device (%s)\n", why.c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}

#else

int main() {
  std::printf("SKIPPED: test_gpu_trainer: this build has no CUDA (nvcc and cuDNN were not found)\n");
  return 77;
}

#endif
