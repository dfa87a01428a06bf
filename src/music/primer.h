// Primers for generation: Magenta's `--primer_drums` syntax, and how drums_rnn_generate turns a primer
// into the track the model continues and the number of steps to generate (facts §8, §10.9).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "music.pb.h"
#include "music/drum_encoding.h"
#include "music/drum_track.h"

namespace drumrnn {

struct PrimerError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// "[(36,42),(),(42,)]": a Python list of tuples of pitches, one tuple per step. Rejects what Python
// would not parse as that ("(36)" is an int, not a tuple), pitches outside 0..127, and (for
// drum_kit) pitches that belong to no drum class.
std::vector<PitchSet> parse_primer_drums(const std::string& text, const DrumConfig& config);

struct GenerationPlan {
  DrumTrack primer;       // what the model is fed, with Magenta's start step and trailing silence
  int64_t total_steps;    // length of the finished track (primer included)
  double qpm;
};

// Magenta's drums_rnn_generate set-up for a primer sequence (from --primer_drums rendered at qpm, or
// a --primer_midi file, whose first tempo wins). Throws PrimerError when num_steps does not leave
// room to generate after the primer.
GenerationPlan plan_generation(const magenta::NoteSequence& primer, const DrumConfig& config, double qpm,
                               int64_t num_steps);

}  // namespace drumrnn
