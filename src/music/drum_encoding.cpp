#include "music/drum_encoding.h"

#include <algorithm>
#include <array>

namespace drumrnn {
namespace {

constexpr DrumConfig kConfigs[] = {
    {DrumConfigId::drum_kit, "drum_kit", "Drums RNN with multiple drums and binary counters.", 4, 512 + 6, 512, 6},
    {DrumConfigId::one_drum, "one_drum", "Drums RNN with 2-state encoding.", 2, 2, 2, 0},
};

// note_seq's DEFAULT_DRUM_TYPE_PITCHES, class = index.
const std::array<std::vector<int>, kDrumKitClasses> kClassPitches = {{
    {36, 35},
    {38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85},
    {42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22},
    {46, 67, 72, 74, 79, 81, 26},
    {45, 29, 41, 43, 61, 64, 84},
    {48, 47, 60, 63, 77, 86, 87},
    {50, 30, 62, 76, 83},
    {49, 52, 55, 57, 58},
    {51, 53, 59, 82},
}};

const std::array<int8_t, 128> kClassOfPitch = [] {
  std::array<int8_t, 128> table;
  table.fill(-1);
  for (int c = 0; c < kDrumKitClasses; ++c)
    for (int p : kClassPitches[c]) table[p] = static_cast<int8_t>(c);
  return table;
}();

}  // namespace

const DrumConfig& drum_config(DrumConfigId id) { return kConfigs[static_cast<int>(id)]; }

const DrumConfig& drum_config(const std::string& name) {
  for (const auto& c : kConfigs)
    if (name == c.name) return c;
  throw UnknownConfigError("unknown config '" + name + "' (expected drum_kit or one_drum)");
}

int drum_kit_class_of_pitch(int pitch) { return (pitch >= 0 && pitch < 128) ? kClassOfPitch[pitch] : -1; }

int encode_drum_event(const DrumConfig& config, const PitchSet& event) {
  if (config.id == DrumConfigId::one_drum) return event.empty() ? 0 : 1;
  int index = 0;
  for (int w = 0; w < 2; ++w) {
    for (uint64_t bits = event.bits[w]; bits; bits &= bits - 1) {
      const int c = kClassOfPitch[w * 64 + __builtin_ctzll(bits)];
      if (c >= 0) index |= 1 << c;
    }
  }
  return index;
}

PitchSet decode_drum_class(const DrumConfig& config, int class_index) {
  PitchSet out;
  if (config.id == DrumConfigId::one_drum) {
    if (class_index) out.insert(kOneDrumPitch);
    return out;
  }
  for (int c = 0; c < kDrumKitClasses; ++c)
    if (class_index & (1 << c)) out.insert(kDrumKitClassPitch[c]);
  return out;
}

void drum_input_vector_from_class(const DrumConfig& config, int class_index, size_t position, float* out) {
  std::fill(out, out + config.input_size, 0.0f);
  out[class_index] = 1.0f;
  // Counters describe the step being predicted (position + 1), LSB first, as +1 / -1.
  const size_t n = position + 1;
  for (int i = 0; i < config.counter_bits; ++i) out[config.num_classes + i] = ((n >> i) & 1) ? 1.0f : -1.0f;
}

void drum_input_vector(const DrumConfig& config, const PitchSet* events, size_t position, float* out) {
  drum_input_vector_from_class(config, encode_drum_event(config, events[position]), position, out);
}

EncodedSequence encode_drum_track(const DrumConfig& config, std::span<const PitchSet> events) {
  EncodedSequence seq;
  seq.input_size = config.input_size;
  const size_t steps = events.size() > 0 ? events.size() - 1 : 0;
  seq.inputs.resize(steps * config.input_size);
  seq.labels.resize(steps);
  for (size_t i = 0; i < steps; ++i) {
    drum_input_vector(config, events.data(), i, seq.inputs.data() + i * config.input_size);
    seq.labels[i] = encode_drum_event(config, events[i + 1]);
  }
  return seq;
}

}  // namespace drumrnn
