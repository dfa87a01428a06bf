// Tiny training data and file helpers shared by the training tests.
#pragma once
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "ml/sequence_dataset.h"
#include "music/drum_encoding.h"
#include "music/sequence_example.h"
#include "music/tfrecord.h"

namespace drumrnn::test {

// A groove that repeats every bar: fully predictable from the position counters.
inline SequenceDataset repeating_dataset(const DrumConfig& config, int examples) {
  SequenceDataset d;
  d.input_size = config.input_size;
  d.steps.clear(config.input_size);
  const PitchSet bar[16] = {{36, 42}, {}, {42}, {}, {38, 42}, {}, {42}, {}, {36, 42}, {}, {36, 42}, {}, {38, 42}, {}, {42}, {46}};
  for (int e = 0; e < examples; ++e) {
    std::vector<PitchSet> events;
    for (int i = 0; i < 64 + 16 * e; ++i) events.push_back(bar[i % 16]);
    const EncodedSequence seq = encode_drum_track(config, events);
    d.first_step.push_back(d.labels.size());
    d.lengths.push_back(int(seq.steps()));
    for (size_t i = 0; i < seq.steps(); ++i) {
      d.steps.add_row(seq.inputs.data() + i * seq.input_size, seq.input_size);
      d.labels.push_back(int32_t(seq.labels[i]));
    }
  }
  return d;
}

// Writes the dataset as a TFRecord of SequenceExamples, as create-dataset would.
inline void write_dataset(const SequenceDataset& d, const std::string& path) {
  TfRecordWriter w(path);
  for (size_t e = 0; e < d.examples(); ++e) {
    EncodedSequence seq;
    seq.input_size = d.input_size;
    seq.inputs.assign(size_t(d.lengths[e]) * d.input_size, 0.0f);
    for (int i = 0; i < d.lengths[e]; ++i) {
      const size_t step = d.first_step[e] + i;
      for (int k = d.steps.row_start[step]; k < d.steps.row_start[step + 1]; ++k)
        seq.inputs[size_t(i) * d.input_size + d.steps.index[k]] = d.steps.value[k];
      seq.labels.push_back(d.labels[step]);
    }
    w.write(sequence_example_serialize(seq));
  }
  w.commit();
}

inline std::vector<std::string> files_in(const std::filesystem::path& dir, const std::string& ext) {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ext) out.push_back(it->path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

inline const std::string kTinyHparams = "batch_size=4,rnn_layer_sizes=[24],dropout_keep_prob=1.0,learning_rate=0.01";


}  // namespace drumrnn::test
