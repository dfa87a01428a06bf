#include "ml/cpu_trainer.h"

#include <algorithm>
#include <cblas.h>
#include <thread>

namespace drumrnn {

CpuTrainer::CpuTrainer(DrumRnn& model, const TrainOptions& options, int threads)
    : model_(model), options_(options),
      threads_(threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()))),
      grads_(model.table()), adam_(model.table()) {
  // We parallelize across shards ourselves; BLAS threads would only contend with them.
  openblas_set_num_threads(1);
  for (int k = 0; k < threads_; ++k) shards_.push_back(std::make_unique<CpuShard>(model));
}

std::string CpuTrainer::device_name() const { return "cpu (" + std::to_string(threads_) + " threads)"; }

XentTotals CpuTrainer::run_shards(const PackedBatch& batch, float keep, float grad_scale, bool track_classes) {
  const std::vector<PackedBatch> parts = split_batch(batch, threads_);
  std::vector<XentTotals> totals(parts.size());
  const uint64_t seed = options_.seed * 0x9E3779B97F4A7C15ull + (draws_++) * 0xBF58476D1CE4E5B9ull;
  auto work = [&](size_t k) { totals[k] = shards_[k]->run(parts[k], keep, seed + k, grad_scale, track_classes); };
  std::vector<std::thread> pool;
  for (size_t k = 1; k < parts.size(); ++k) pool.emplace_back(work, k);
  work(0);
  for (auto& t : pool) t.join();
  XentTotals sum = totals[0];
  for (size_t k = 1; k < parts.size(); ++k) sum.add(totals[k]);
  if (grad_scale > 0) {
    grads_.data = shards_[0]->grads().data;
    for (size_t k = 1; k < parts.size(); ++k) {
      const auto& g = shards_[k]->grads().data;
      for (size_t i = 0; i < g.size(); ++i) grads_.data[i] += g[i];
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
  adam_update(model_.params(), grads_, adam_, options_.learning_rate);
  return stats;
}

XentTotals CpuTrainer::evaluate(const PackedBatch& b, bool track_classes) {
  return run_shards(b, 1.0f, 0.0f, track_classes);
}

}  // namespace drumrnn
