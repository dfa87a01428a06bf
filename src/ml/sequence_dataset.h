// SequenceExamples (ours or Magenta's) loaded for training: inputs kept sparse, plus the batcher
// that turns a list of examples into a PackedBatch.
#pragma once
#include <cstdint>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ml/packed_batch.h"

namespace drumrnn {

struct DatasetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SequenceDataset {
  int input_size = 0;
  SparseRows steps;                  // every step of every example, example after example
  std::vector<int32_t> labels;       // per step
  std::vector<size_t> first_step;    // per example
  std::vector<int> lengths;          // per example
  size_t examples() const { return lengths.size(); }
  size_t total_steps() const { return labels.size(); }
};

// Reads every record of a TFRecord file (or of each file a glob pattern matches). Checks that every
// step has `expected_input_size` floats (0 = take the first example's width) and labels in
// [0, num_classes). Throws DatasetError / TfRecordError / IoError naming the file.
SequenceDataset load_sequence_examples(const std::string& path_or_glob, int expected_input_size, int num_classes);

// Sorts the chosen examples by length (longest first) and packs them time-major.
PackedBatch make_batch(const SequenceDataset& data, std::span<const size_t> examples);

// Endless shuffled batches of exactly batch_size examples (as Magenta's input queue gives), each
// epoch a new permutation.
class BatchSampler {
 public:
  BatchSampler(size_t examples, int batch_size, uint64_t seed);
  std::vector<size_t> next();

 private:
  size_t examples_;
  int batch_size_;
  std::mt19937_64 rng_;
  std::vector<size_t> order_;
  size_t pos_ = 0;
};

}  // namespace drumrnn
