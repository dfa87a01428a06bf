// Magenta's eval metrics over a whole dataset, and their names as TensorBoard tags (facts §7).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ml/sequence_dataset.h"
#include "ml/softmax_xent.h"
#include "ml/trainer.h"

namespace drumrnn {

// Every example once, in batches of `batch_size`, no dropout.
XentTotals evaluate_dataset(Trainer& trainer, const SequenceDataset& data, int batch_size);

// (tag, value) pairs: loss, metrics/perplexity, metrics/accuracy, metrics/event_accuracy,
// metrics/no_event_accuracy, metrics/loss_per_step, metrics/perplexity_per_step, and (when tracked)
// metrics/per_class_accuracy.
std::vector<std::pair<std::string, double>> metric_values(const XentTotals& t);

}  // namespace drumrnn
