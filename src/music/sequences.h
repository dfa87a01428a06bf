// NoteSequence transforms of Magenta's drums pipeline, with note_seq's exact rules and float order
// (facts §3a, §3b): splitting at tempo / time-signature changes, and quantizing to steps.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "music.pb.h"

namespace drumrnn {

// Cut at every real tempo or time-signature change; each piece starts at time 0.
// Returns nothing for a sequence with total_time 0.
std::vector<magenta::NoteSequence> split_on_time_changes(const magenta::NoteSequence& ns);

// note_seq's quantize_to_step: int(seconds * steps_per_second + (1 - cutoff)).
int64_t quantize_to_step(double seconds, double steps_per_second, double cutoff = 0.5);

// Why a sequence could not be quantized; the Quantizer pipeline counts these and drops the piece.
struct QuantizeError : std::runtime_error {
  enum class Kind { multiple_time_signatures, multiple_tempos, bad_time_signature, negative_time };
  Kind kind;
  QuantizeError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
};

// Relative quantization at `steps_per_quarter`; throws QuantizeError.
magenta::NoteSequence quantize_note_sequence(const magenta::NoteSequence& ns, int steps_per_quarter);

// steps per bar of a quantized sequence (may be fractional, e.g. 7/8 at 1 step per quarter).
double steps_per_bar_of(const magenta::NoteSequence& quantized);

}  // namespace drumrnn
