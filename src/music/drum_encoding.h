// Magenta's drum encodings (facts §1, §2, §10.2): drum_kit = 9-class multi-drum one-hot (512 classes)
// plus 6 binary counters (input width 518); one_drum = silence / any drum (2 classes).
#pragma once
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "music/drum_track.h"

namespace drumrnn {

enum class DrumConfigId { drum_kit, one_drum };

struct DrumConfig {
  DrumConfigId id;
  const char* name;
  const char* description;
  int steps_per_quarter;
  int input_size;
  int num_classes;
  int counter_bits;  // binary position counters appended to the one-hot
};

struct UnknownConfigError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

const DrumConfig& drum_config(DrumConfigId id);
const DrumConfig& drum_config(const std::string& name);  // throws UnknownConfigError

constexpr int kDrumKitClasses = 9;
// The pitch decoded for each drum_kit class (the first of each class's pitch list).
constexpr int kDrumKitClassPitch[kDrumKitClasses] = {36, 38, 42, 46, 45, 48, 50, 49, 51};
constexpr int kOneDrumPitch = 39;

// Class bit of a pitch under drum_kit's mapping, -1 for pitches in no class (ignored, as Magenta does).
int drum_kit_class_of_pitch(int pitch);

// Event (pitch set) <-> class index.
int encode_drum_event(const DrumConfig& config, const PitchSet& event);
PitchSet decode_drum_class(const DrumConfig& config, int class_index);

// The input vector for position p of `events` (one-hot of events[p], then counters of p + 1).
// `out` has config.input_size floats. Allocation-free: the live generator calls it every step.
void drum_input_vector(const DrumConfig& config, const PitchSet* events, size_t position, float* out);
// Same, from an already encoded class index (for the generator's hot path).
void drum_input_vector_from_class(const DrumConfig& config, int class_index, size_t position, float* out);

// One training example: inputs [steps x input_size] row-major, labels [steps].
struct EncodedSequence {
  int input_size = 0;
  std::vector<float> inputs;
  std::vector<int64_t> labels;
  size_t steps() const { return labels.size(); }
};

// Magenta's EncoderPipeline: a track of N events gives N-1 steps; label i = class of event i+1.
EncodedSequence encode_drum_track(const DrumConfig& config, std::span<const PitchSet> events);

}  // namespace drumrnn
