#include "music/sequence_example.h"

#include <cstring>

#include "example.pb.h"

namespace drumrnn {
namespace {

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Field key for a length-delimited field.
constexpr char key_ld(int field) { return static_cast<char>((field << 3) | 2); }

size_t ld_size(size_t payload) { return 1 + varint_size(payload) + payload; }

}  // namespace

std::string sequence_example_serialize(const EncodedSequence& seq) {
  const size_t steps = seq.steps();
  const size_t floats_bytes = size_t(seq.input_size) * 4;
  // Feature{float_list{value: packed}}: Feature.float_list = 2, FloatList.value = 1.
  const size_t float_list = ld_size(floats_bytes);
  const size_t float_feature = ld_size(float_list);
  size_t inputs_list = steps * ld_size(float_feature);  // FeatureList.feature = 1
  size_t labels_list = 0;
  for (int64_t label : seq.labels) {
    const size_t packed = varint_size(static_cast<uint64_t>(label));
    labels_list += ld_size(ld_size(ld_size(packed)));  // FeatureList.feature{int64_list = 3{value = 1}}
  }
  const std::string_view kInputs = "inputs", kLabels = "labels";
  const size_t inputs_entry = ld_size(kInputs.size()) + ld_size(inputs_list);
  const size_t labels_entry = ld_size(kLabels.size()) + ld_size(labels_list);
  const size_t feature_lists = ld_size(inputs_entry) + ld_size(labels_entry);

  std::string out;
  out.reserve(ld_size(feature_lists));
  out.push_back(key_ld(2));  // SequenceExample.feature_lists
  put_varint(out, feature_lists);

  out.push_back(key_ld(1));  // FeatureLists.feature_list map entry
  put_varint(out, inputs_entry);
  out.push_back(key_ld(1));
  put_varint(out, kInputs.size());
  out.append(kInputs);
  out.push_back(key_ld(2));
  put_varint(out, inputs_list);
  for (size_t i = 0; i < steps; ++i) {
    out.push_back(key_ld(1));
    put_varint(out, float_feature);
    out.push_back(key_ld(2));
    put_varint(out, float_list);
    out.push_back(key_ld(1));
    put_varint(out, floats_bytes);
    // Little-endian IEEE floats are protobuf's fixed32 layout on every machine we build for.
    out.append(reinterpret_cast<const char*>(seq.inputs.data() + i * seq.input_size), floats_bytes);
  }

  out.push_back(key_ld(1));
  put_varint(out, labels_entry);
  out.push_back(key_ld(1));
  put_varint(out, kLabels.size());
  out.append(kLabels);
  out.push_back(key_ld(2));
  put_varint(out, labels_list);
  for (int64_t label : seq.labels) {
    const size_t packed = varint_size(static_cast<uint64_t>(label));
    out.push_back(key_ld(1));
    put_varint(out, ld_size(ld_size(packed)));
    out.push_back(key_ld(3));
    put_varint(out, ld_size(packed));
    out.push_back(key_ld(1));
    put_varint(out, packed);
    put_varint(out, static_cast<uint64_t>(label));
  }
  return out;
}

EncodedSequence sequence_example_parse(std::string_view bytes) {
  tensorflow::SequenceExample ex;
  if (!ex.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw SequenceExampleError("not a tf.train.SequenceExample");
  const auto& lists = ex.feature_lists().feature_list();
  auto inputs_it = lists.find("inputs");
  auto labels_it = lists.find("labels");
  if (inputs_it == lists.end() || labels_it == lists.end())
    throw SequenceExampleError("missing feature list 'inputs' or 'labels'");
  const auto& inputs = inputs_it->second.feature();
  const auto& labels = labels_it->second.feature();
  if (inputs.size() != labels.size())
    throw SequenceExampleError("inputs and labels differ in length (" + std::to_string(inputs.size()) + " vs " +
                               std::to_string(labels.size()) + ")");
  EncodedSequence seq;
  for (int i = 0; i < inputs.size(); ++i) {
    const auto& values = inputs[i].float_list().value();
    if (i == 0) {
      seq.input_size = values.size();
      seq.inputs.reserve(size_t(inputs.size()) * values.size());
      seq.labels.reserve(labels.size());
    } else if (values.size() != seq.input_size) {
      throw SequenceExampleError("step " + std::to_string(i) + " has " + std::to_string(values.size()) +
                                 " inputs, expected " + std::to_string(seq.input_size));
    }
    seq.inputs.insert(seq.inputs.end(), values.begin(), values.end());
    const auto& label = labels[i].int64_list().value();
    if (label.size() != 1) throw SequenceExampleError("step " + std::to_string(i) + " does not have exactly one label");
    seq.labels.push_back(label[0]);
  }
  return seq;
}

}  // namespace drumrnn
