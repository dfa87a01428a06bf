// A drum track: one pitch set per step, as note_seq's DrumTrack, and Magenta's extractor that cuts a
// quantized NoteSequence into tracks (facts §3c, §3d).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "music.pb.h"

namespace drumrnn {

// The MIDI pitches hit on one step. Trivially copyable, no allocation: safe on the audio thread.
struct PitchSet {
  uint64_t bits[2] = {0, 0};
  PitchSet() = default;
  PitchSet(std::initializer_list<int> pitches) {
    for (int p : pitches) insert(p);
  }
  void insert(int pitch) { bits[pitch >> 6] |= uint64_t(1) << (pitch & 63); }
  bool contains(int pitch) const { return (bits[pitch >> 6] >> (pitch & 63)) & 1; }
  bool empty() const { return (bits[0] | bits[1]) == 0; }
  bool operator==(const PitchSet&) const = default;
  std::vector<int> pitches() const;  // ascending
};

struct DrumTrack {
  std::vector<PitchSet> events;
  int64_t start_step = 0;
  int steps_per_bar = 16;
  int steps_per_quarter = 4;
  int64_t end_step() const { return start_step + static_cast<int64_t>(events.size()); }
};

// Thrown when a time signature gives a fractional number of steps per bar (e.g. 7/8 at 1 step/quarter).
struct NonIntegerStepsPerBarError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// note_seq's DrumTrack.from_quantized_sequence. gap_bars <= 0 means "no gap limit".
DrumTrack drum_track_from_quantized(const magenta::NoteSequence& quantized, int64_t search_start_step,
                                    double gap_bars, bool pad_end, bool ignore_is_drum);

struct DrumExtractOptions {
  int min_bars = 7;
  int max_steps_truncate = 512;  // 0 = never truncate
  int max_steps_discard = 0;     // 0 = never discard as too long
  double gap_bars = 1.0;
  bool pad_end = false;
  bool ignore_is_drum = false;
};

// Counters and the length histogram that Magenta's DrumsExtractor reports.
struct DrumExtractStats {
  int64_t discarded_too_short = 0, discarded_too_long = 0, truncated = 0;
  std::map<double, int64_t> lengths_in_bars;  // histogram bucket lower bound -> count
};

// Magenta's extract_drum_tracks; throws NonIntegerStepsPerBarError.
std::vector<DrumTrack> extract_drum_tracks(const magenta::NoteSequence& quantized, const DrumExtractOptions& options,
                                           DrumExtractStats& stats);

// The histogram's bucket lower bounds for a given min_bars, -inf first, as Magenta's Histogram sorts them.
std::vector<double> drum_length_buckets(int min_bars);

// DrumTrack.to_sequence: one note per pitch per hit step, one step long, instrument 9, is_drum.
magenta::NoteSequence drum_track_to_sequence(const DrumTrack& track, double qpm, int velocity = 100);

}  // namespace drumrnn
