#include "ml/sequence_dataset.h"

#include <algorithm>
#include <glob.h>
#include <numeric>

#include "music/sequence_example.h"
#include "music/tfrecord.h"

namespace drumrnn {
namespace {

std::vector<std::string> expand(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  if (out.empty()) out.push_back(pattern);  // let the reader report the missing file by name
  return out;
}

}  // namespace

SequenceDataset load_sequence_examples(const std::string& path_or_glob, int expected_input_size, int num_classes) {
  SequenceDataset d;
  d.input_size = expected_input_size;
  d.steps.clear(expected_input_size);
  std::string payload;
  for (const auto& path : expand(path_or_glob)) {
    TfRecordReader reader(path);
    size_t record = 0;
    while (reader.next(payload)) {
      EncodedSequence seq;
      try {
        seq = sequence_example_parse(payload);
      } catch (const SequenceExampleError& e) {
        throw DatasetError(path + ": record " + std::to_string(record) + ": " + e.what());
      }
      if (seq.steps() == 0) {
        ++record;
        continue;
      }
      if (d.input_size == 0) d.input_size = seq.input_size, d.steps.width = seq.input_size;
      if (seq.input_size != d.input_size)
        throw DatasetError(path + ": record " + std::to_string(record) + " has inputs of width " +
                           std::to_string(seq.input_size) + ", the model expects " + std::to_string(d.input_size) +
                           " (wrong --config?)");
      d.first_step.push_back(d.labels.size());
      d.lengths.push_back(static_cast<int>(seq.steps()));
      for (size_t i = 0; i < seq.steps(); ++i) {
        if (seq.labels[i] < 0 || seq.labels[i] >= num_classes)
          throw DatasetError(path + ": record " + std::to_string(record) + " has label " +
                             std::to_string(seq.labels[i]) + ", outside the config's " + std::to_string(num_classes) +
                             " classes");
        d.steps.add_row(seq.inputs.data() + i * seq.input_size, seq.input_size);
        d.labels.push_back(static_cast<int32_t>(seq.labels[i]));
      }
      ++record;
    }
  }
  return d;
}

PackedBatch make_batch(const SequenceDataset& data, std::span<const size_t> examples) {
  std::vector<size_t> order(examples.begin(), examples.end());
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return data.lengths[a] > data.lengths[b]; });
  PackedBatch b;
  b.inputs.clear(data.input_size);
  for (size_t e : order) b.lengths.push_back(data.lengths[e]);
  const int T = b.lengths.empty() ? 0 : b.lengths.front();
  b.offsets.assign(1, 0);
  for (int t = 0; t < T; ++t) {
    int active = 0;
    for (size_t k = 0; k < order.size() && b.lengths[k] > t; ++k) {
      const size_t step = data.first_step[order[k]] + t;
      b.inputs.append_row(data.steps, step);
      b.labels.push_back(data.labels[step]);
      ++active;
    }
    b.offsets.push_back(b.offsets.back() + active);
  }
  return b;
}

BatchSampler::BatchSampler(size_t examples, int batch_size, uint64_t seed)
    : examples_(examples), batch_size_(batch_size), rng_(seed), order_(examples) {
  if (examples == 0) throw DatasetError("the dataset has no examples");
  std::iota(order_.begin(), order_.end(), 0);
  std::shuffle(order_.begin(), order_.end(), rng_);
}

std::vector<size_t> BatchSampler::next() {
  std::vector<size_t> batch;
  while (static_cast<int>(batch.size()) < batch_size_) {
    if (pos_ == order_.size()) {
      std::shuffle(order_.begin(), order_.end(), rng_);
      pos_ = 0;
    }
    batch.push_back(order_[pos_++]);
  }
  return batch;
}

}  // namespace drumrnn
