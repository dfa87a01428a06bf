#ifdef DRUMRNN_HAVE_CUDA
#include "ml/cuda_trainer.h"

#include <cmath>

#include "ml/cuda/train_engine.h"
#include "ml/trainer_elementwise.h"

namespace drumrnn {

int cuda_device_count(std::string& why_none);  // ml/cuda/device_query.cu

namespace {

constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kEpsilon = 1e-8f;  // ml/adam.h's defaults

gpu::EngineShape engine_shape(const DrumRnn& model) {
  gpu::EngineShape s;
  const auto& views = model.table().views();
  for (int l = 0; l < model.layers(); ++l) {
    const LstmShape ls = model.layer_shape(l);
    s.layers.push_back({ls.in, ls.units, views[model.kernel_index(l)].offset, views[model.bias_index(l)].offset});
  }
  s.num_classes = model.shape().num_classes();
  s.fc_weights_offset = views[model.fc_weights_index()].offset;
  s.fc_biases_offset = views[model.fc_biases_index()].offset;
  for (const ParamView& v : views) {
    s.tensor_offsets.push_back(v.offset);
    s.tensor_sizes.push_back(v.size());
  }
  s.total = model.table().total();
  return s;
}

}  // namespace

bool cuda_trainer_available(const DrumRnn& model, std::string& why) {
  if (cuda_device_count(why) == 0) return false;
  if (model.layers() == 0) {
    why = "the GPU trainer needs at least one LSTM layer";
    return false;
  }
  return true;
}

std::unique_ptr<Trainer> make_cuda_trainer(DrumRnn& model, const TrainOptions& options) {
  std::string why;
  if (!cuda_trainer_available(model, why)) throw DeviceError("--device cuda: " + why);
  return std::make_unique<CudaTrainer>(model, options);
}

CudaTrainer::CudaTrainer(DrumRnn& model, const TrainOptions& options)
    : model_(model), options_(options), grads_(model.table()), adam_(model.table()),
      engine_(std::make_unique<gpu::TrainEngine>(engine_shape(model))) {
  engine_->upload_params(model_.params().data.data());
}

CudaTrainer::~CudaTrainer() = default;

std::string CudaTrainer::device_name() const { return engine_->device_name(); }

XentTotals CudaTrainer::run(const PackedBatch& b, float keep, float grad_scale, bool track_classes, float* logits,
                            std::vector<double>* square_sums) {
  gpu::EngineBatch eb;
  // Sequences of length 0 hold no rows; cuDNN's packed layout wants every length > 0.
  for (int len : b.lengths)
    if (len > 0) eb.lengths.push_back(len);
  eb.offsets = b.offsets.data();
  eb.max_len = b.max_len();
  eb.rows = b.rows();
  eb.width = b.inputs.width;
  eb.row_start = b.inputs.row_start.data();
  eb.index = b.inputs.index.data();
  eb.value = b.inputs.value.data();
  eb.labels = b.labels.data();
  std::vector<uint8_t> hits(track_classes ? size_t(eb.rows) : 0);
  const gpu::EngineTotals e = engine_->run(eb, keep, train::dropout_stream(options_.seed, adam_.step), grad_scale,
                                           track_classes ? hits.data() : nullptr, logits);
  if (square_sums) *square_sums = e.tensor_square_sums;
  // Counts that depend on the labels alone come from the host; the device adds loss and hits.
  XentTotals t;
  t.loss_sum = e.loss_sum;
  t.steps = eb.rows;
  t.correct = e.correct;
  t.event_correct = e.event_correct;
  t.no_event_correct = e.no_event_correct;
  for (int r = 0; r < eb.rows; ++r) (b.labels[r] != 0 ? t.event_steps : t.no_event_steps) += 1;
  if (track_classes) {
    const int C = model_.shape().num_classes();
    t.class_steps.assign(C, 0);
    t.class_correct.assign(C, 0);
    for (int r = 0; r < eb.rows; ++r) {
      ++t.class_steps[b.labels[r]];
      t.class_correct[b.labels[r]] += hits[r];
    }
  }
  return t;
}

XentTotals CudaTrainer::loss_and_gradients(const PackedBatch& b, bool dropout) {
  const float keep = dropout ? options_.dropout_keep_prob : 1.0f;
  return run(b, keep, 1.0f / float(std::max(1, b.rows())), false, nullptr, nullptr);
}

TrainStepStats CudaTrainer::train_step(const PackedBatch& b) {
  TrainStepStats stats;
  std::vector<double> square_sums;
  stats.totals = run(b, options_.dropout_keep_prob, 1.0f / float(std::max(1, b.rows())), false, nullptr, &square_sums);
  double global = 0;
  std::vector<float> scales;
  for (double sq : square_sums) {
    global += sq;
    scales.push_back(train::clip_scale(sq, options_.clip_norm));
  }
  stats.grad_norm = std::sqrt(global);
  // One NaN or Inf would poison Adam's moments and every weight it touches: refuse the update.
  if (!std::isfinite(stats.totals.loss_sum) || !std::isfinite(stats.grad_norm)) {
    stats.applied = false;
    return stats;
  }
  ++adam_.step;
  engine_->adam(scales, train::adam_lr_t(options_.learning_rate, adam_.step, kBeta1, kBeta2), kBeta1, kBeta2,
                kEpsilon);
  return stats;
}

XentTotals CudaTrainer::evaluate(const PackedBatch& b, bool track_classes) {
  return run(b, 1.0f, 0.0f, track_classes, nullptr, nullptr);
}

const ParamBuffer& CudaTrainer::grads() {
  engine_->download_grads(grads_.data.data());
  return grads_;
}

void CudaTrainer::sync_to_host() {
  engine_->download_params(model_.params().data.data());
  engine_->download_moments(adam_.m.data.data(), adam_.v.data.data());
}

void CudaTrainer::sync_from_host() {
  engine_->upload_params(model_.params().data.data());
  engine_->upload_moments(adam_.m.data.data(), adam_.v.data.data());
}

void CudaTrainer::logits(const PackedBatch& b, float* out) { run(b, 1.0f, 0.0f, false, out, nullptr); }

void CudaTrainer::poison_device_buffers() { engine_->poison(); }

}  // namespace drumrnn
#endif
