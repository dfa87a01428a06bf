// Small synthetic drum datasets for the model tests.
#pragma once
#include <random>
#include <vector>

#include "ml/sequence_dataset.h"
#include "music/drum_encoding.h"

namespace drumrnn::test {

// `n` random drum tracks (lengths in [min_len, max_len] events), encoded with `config`.
inline SequenceDataset random_dataset(const DrumConfig& config, int n, int min_len, int max_len, uint64_t seed,
                                      int distinct_events = 6) {
  std::mt19937 rng(seed);
  SequenceDataset d;
  d.input_size = config.input_size;
  d.steps.clear(config.input_size);
  for (int e = 0; e < n; ++e) {
    const int len = std::uniform_int_distribution<int>(min_len, max_len)(rng);
    std::vector<PitchSet> events(len);
    for (auto& ev : events) {
      const int k = std::uniform_int_distribution<int>(0, distinct_events - 1)(rng);
      ev = decode_drum_class(config, k % config.num_classes);
    }
    const EncodedSequence seq = encode_drum_track(config, events);
    d.first_step.push_back(d.labels.size());
    d.lengths.push_back(static_cast<int>(seq.steps()));
    for (size_t i = 0; i < seq.steps(); ++i) {
      d.steps.add_row(seq.inputs.data() + i * seq.input_size, seq.input_size);
      d.labels.push_back(static_cast<int32_t>(seq.labels[i]));
    }
  }
  return d;
}

}  // namespace drumrnn::test
