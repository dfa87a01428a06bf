#include "ml/cpu_trainer.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <thread>

#include "ml/trainer_elementwise.h"

namespace drumrnn {

CpuTrainer::CpuTrainer(DrumRnn& model, const TrainOptions& options, int threads)
    : model_(model), options_(options),
      threads_(threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()))),
      grads_(model.table()), adam_(model.table()) {
  // We parallelize across chunks ourselves; BLAS threads would only contend with them.
  openblas_set_num_threads(1);
}

std::string CpuTrainer::device_name() const { return "cpu (" + std::to_string(threads_) + " threads)"; }

int CpuTrainer::chunk_count(int sequences) {
  return std::clamp((sequences + kSequencesPerChunk - 1) / kSequencesPerChunk, 1, kMaxChunks);
}

XentTotals CpuTrainer::run_shards(const PackedBatch& batch, float keep, float grad_scale, bool track_classes) {
  const std::vector<PackedBatch> parts = split_batch(batch, chunk_count(int(batch.lengths.size())));
  const int chunks = int(parts.size());
  while (int(shards_.size()) < chunks) shards_.push_back(std::make_unique<CpuShard>(model_));
  std::vector<XentTotals> totals(chunks);
  // Masks are keyed on the update's number, which a checkpoint restores, so a resumed run draws
  // the masks an uninterrupted one would have.
  const uint64_t stream = train::dropout_stream(options_.seed, adam_.step);
  const int workers = std::min(threads_, chunks);
  auto work = [&](int w) {
    for (int k = w; k < chunks; k += workers)
      totals[k] = shards_[k]->run(parts[k], keep, DropoutStream{stream, k, chunks}, grad_scale, track_classes);
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  // Chunk order, whatever thread ran which chunk: the sums come out bit for bit the same.
  XentTotals sum = totals[0];
  for (int k = 1; k < chunks; ++k) sum.add(totals[k]);
  if (grad_scale > 0) {
    grads_.data = shards_[0]->grads().data;
    float* out = grads_.data.data();
    const size_t n = grads_.data.size();
    for (int k = 1; k < chunks; ++k) {
      const float* g = shards_[k]->grads().data.data();
      for (size_t i = 0; i < n; ++i) out[i] += g[i];
    }
  }
  return sum;
}

XentTotals CpuTrainer::loss_and_gradients(const PackedBatch& b, bool dropout) {
  const float keep = dropout ? options_.dropout_keep_prob : 1.0f;
  return run_shards(b, keep, 1.0f / float(std::max(1, b.rows())), false);
}

TrainStepStats CpuTrainer::train_step(const PackedBatch& b) {
  TrainStepStats stats;
  stats.totals = loss_and_gradients(b, true);
  stats.grad_norm = clip_per_tensor(grads_, options_.clip_norm);
  // One NaN or Inf would poison Adam's moments and every weight it touches: refuse the update.
  if (!std::isfinite(stats.totals.loss_sum) || !std::isfinite(stats.grad_norm)) {
    stats.applied = false;
    return stats;
  }
  adam_update(model_.params(), grads_, adam_, options_.learning_rate);
  return stats;
}

XentTotals CpuTrainer::evaluate(const PackedBatch& b, bool track_classes) {
  return run_shards(b, 1.0f, 0.0f, track_classes);
}

}  // namespace drumrnn
