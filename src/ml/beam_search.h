// Magenta's generation loop (events_rnn_model + common/beam_search.py, facts §8): ancestral sampling
// from softmax(logits / temperature), optionally with beam search over sampled branches.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "ml/drum_rnn.h"

namespace drumrnn {

struct BeamOptions {
  int beam_size = 1;
  int branch_factor = 1;
  int steps_per_iteration = 1;
  float temperature = 1.0f;
};

struct GeneratedSequence {
  std::vector<int> classes;  // primer followed by the generated classes
  double score = 0;          // Σ log p of the generated classes (+ the primer's, as Magenta adds)
};

// Extends `primer` (class indices, non-empty) to `total_length` events.
GeneratedSequence generate_classes(const DrumRnn& model, const std::vector<int>& primer, int64_t total_length,
                                   const BeamOptions& options, std::mt19937_64& rng);

}  // namespace drumrnn
