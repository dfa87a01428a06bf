#include "ml/evaluation.h"

#include <algorithm>
#include <cmath>

namespace drumrnn {

XentTotals evaluate_dataset(Trainer& trainer, const SequenceDataset& data, int batch_size) {
  XentTotals total;
  std::vector<size_t> chunk;
  for (size_t start = 0; start < data.examples(); start += batch_size) {
    chunk.clear();
    for (size_t e = start; e < std::min(data.examples(), start + size_t(batch_size)); ++e) chunk.push_back(e);
    total.add(trainer.evaluate(make_batch(data, chunk), true));
  }
  return total;
}

std::vector<std::pair<std::string, double>> metric_values(const XentTotals& t) {
  std::vector<std::pair<std::string, double>> v = {
      {"loss", t.loss()},
      {"metrics/perplexity", std::exp(t.loss())},
      {"metrics/accuracy", t.accuracy()},
      {"metrics/event_accuracy", t.event_accuracy()},
      {"metrics/no_event_accuracy", t.no_event_accuracy()},
      // For drums, num_steps is the number of labels, so the per-step figures equal the plain ones.
      {"metrics/loss_per_step", t.loss()},
      {"metrics/perplexity_per_step", std::exp(t.loss())},
  };
  if (!t.class_steps.empty()) v.emplace_back("metrics/per_class_accuracy", t.per_class_accuracy());
  return v;
}

}  // namespace drumrnn
