#include "music/drum_track.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "music/sequences.h"

namespace drumrnn {

std::vector<int> PitchSet::pitches() const {
  std::vector<int> out;
  for (int p = 0; p < 128; ++p)
    if (contains(p)) out.push_back(p);
  return out;
}

namespace {

// Python's % on ints: the result takes the divisor's sign.
int64_t py_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

int integral_steps_per_bar(const magenta::NoteSequence& q) {
  const double spb = steps_per_bar_of(q);
  if (spb != std::floor(spb))
    throw NonIntegerStepsPerBarError("there are " + std::to_string(spb) + " steps per bar");
  return static_cast<int>(spb);
}

}  // namespace

DrumTrack drum_track_from_quantized(const magenta::NoteSequence& q, int64_t search_start_step, double gap_bars,
                                    bool pad_end, bool ignore_is_drum) {
  DrumTrack track;
  track.steps_per_bar = integral_steps_per_bar(q);
  track.steps_per_quarter = q.quantization_info().steps_per_quarter();

  // Group the candidate notes by start step (durations do not matter to drums).
  std::map<int64_t, PitchSet> by_step;
  for (const auto& n : q.notes()) {
    if (!(n.is_drum() || ignore_is_drum) || n.velocity() == 0) continue;
    if (n.quantized_start_step() < search_start_step) continue;
    if (n.pitch() < 0 || n.pitch() > 127) continue;
    by_step[n.quantized_start_step()].insert(n.pitch());
  }
  if (by_step.empty()) {
    track.start_step = 0;
    return track;
  }
  const int64_t spb = track.steps_per_bar;
  const int64_t first = by_step.begin()->first;
  track.start_step = first - py_mod(first - search_start_step, spb);
  const bool limit_gap = gap_bars > 0 && std::isfinite(gap_bars);
  int64_t gap_start = 0;
  for (const auto& [step, pitches] : by_step) {
    const int64_t idx = step - track.start_step;
    if (!track.events.empty() && limit_gap && double(idx - gap_start) >= gap_bars * double(spb)) break;
    track.events.resize(idx + 1);
    track.events[idx] = pitches;
    gap_start = idx + 1;
  }
  if (pad_end) {
    const int64_t len = static_cast<int64_t>(track.events.size());
    track.events.resize(len + py_mod(-len, spb));
  }
  return track;
}

std::vector<double> drum_length_buckets(int min_bars) {
  std::vector<double> b{0, 1, 10, 20, 30, 40, 50, 100, 200, 500, double(min_bars / 2), double(min_bars),
                        double(min_bars + 1), double(min_bars - 1)};
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  b.insert(b.begin(), -std::numeric_limits<double>::infinity());
  return b;
}

std::vector<DrumTrack> extract_drum_tracks(const magenta::NoteSequence& q, const DrumExtractOptions& o,
                                           DrumExtractStats& stats) {
  const int64_t spb = integral_steps_per_bar(q);
  const std::vector<double> buckets = drum_length_buckets(o.min_bars);
  std::vector<DrumTrack> tracks;
  int64_t search_start = 0;
  for (;;) {
    DrumTrack track = drum_track_from_quantized(q, search_start, o.gap_bars, o.pad_end, o.ignore_is_drum);
    // The next search starts on the same bar grid at or after this track's end, computed before
    // truncation, so a truncated-away remainder is never reused.
    search_start = track.end_step() + py_mod(search_start - track.end_step(), spb);
    if (track.events.empty()) break;
    const int64_t len = static_cast<int64_t>(track.events.size());
    if (len < spb * o.min_bars) {
      ++stats.discarded_too_short;
      continue;
    }
    if (o.max_steps_discard > 0 && len > o.max_steps_discard) {
      ++stats.discarded_too_long;
      continue;
    }
    if (o.max_steps_truncate > 0 && len > o.max_steps_truncate) {
      int64_t keep = o.max_steps_truncate;
      if (o.pad_end) keep -= py_mod(o.max_steps_truncate, spb);
      track.events.resize(keep);
      ++stats.truncated;
    }
    const double bars = double(static_cast<int64_t>(track.events.size()) / spb);
    auto it = std::upper_bound(buckets.begin(), buckets.end(), bars);
    ++stats.lengths_in_bars[*(it - 1)];
    tracks.push_back(std::move(track));
  }
  return tracks;
}

magenta::NoteSequence drum_track_to_sequence(const DrumTrack& track, double qpm, int velocity) {
  magenta::NoteSequence ns;
  ns.set_ticks_per_quarter(220);
  auto* tempo = ns.add_tempos();
  tempo->set_time(0.0);
  tempo->set_qpm(qpm);
  const double seconds_per_step = 60.0 / qpm / track.steps_per_quarter;
  double total = 0.0;
  for (size_t s = 0; s < track.events.size(); ++s) {
    for (int pitch : track.events[s].pitches()) {
      auto* n = ns.add_notes();
      const double start = double(track.start_step + int64_t(s)) * seconds_per_step;
      n->set_pitch(pitch);
      n->set_velocity(velocity);
      n->set_start_time(start);
      n->set_end_time(start + seconds_per_step);
      n->set_instrument(9);
      n->set_program(0);
      n->set_is_drum(true);
      total = n->end_time();
    }
  }
  ns.set_total_time(total);
  return ns;
}

}  // namespace drumrnn
