// tf.train.SequenceExample with feature lists "inputs" (float_list per step) and "labels"
// (int64_list with one value per step), the records Magenta's training reads (facts §3e, §10.11).
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

#include "music/drum_encoding.h"

namespace drumrnn {

struct SequenceExampleError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Serializes straight to protobuf wire format ("inputs" first, packed lists), which is one of the
// two byte orders Magenta itself writes; a 512-step drum_kit example is ~1 MB, so this avoids
// building a protobuf object tree per step.
std::string sequence_example_serialize(const EncodedSequence& seq);

// Parses with the protobuf library (either key order, packed or not). Every step must carry the same
// number of floats and exactly one label; throws SequenceExampleError otherwise.
EncodedSequence sequence_example_parse(std::string_view bytes);

}  // namespace drumrnn
