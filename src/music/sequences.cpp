#include "music/sequences.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace drumrnn {
namespace {

using magenta::NoteSequence;

constexpr double kDefaultQpm = 120.0;

// One entry of the merged, time-sorted list of time signatures and tempos.
struct TimeChange {
  double time;
  const NoteSequence::TimeSignature* ts;  // exactly one of ts / tempo is set
  const NoteSequence::Tempo* tempo;
};

// Moves the "stateful" events (time/key signatures, tempos) into the pieces as note_seq's
// _extract_subsequences does: the latest event at or before a piece's start is copied to time 0,
// events strictly inside a piece are shifted, boundary events become the next piece's state.
template <typename Event, typename Getter>
void distribute_state_events(const google::protobuf::RepeatedPtrField<Event>& events,
                             const std::vector<double>& splits, std::vector<NoteSequence>& pieces,
                             Getter container) {
  std::vector<const Event*> sorted;
  for (const auto& e : events) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Event* a, const Event* b) { return a->time() < b->time(); });
  const int last = static_cast<int>(splits.size()) - 1;
  const Event* previous = nullptr;
  int index = -1;
  auto add_state = [&](int k) {
    if (!previous) return;
    Event* e = container(pieces[k])->Add();
    *e = *previous;
    e->set_time(0.0);
  };
  for (const Event* e : sorted) {
    if (e->time() <= splits[0]) {
      previous = e;
      continue;
    }
    while (index < last && e->time() > splits[index + 1]) {
      ++index;
      if (index == last) break;
      add_state(index);
    }
    if (index == last) break;
    if (e->time() < splits[index + 1]) {
      Event* copy = container(pieces[index])->Add();
      *copy = *e;
      copy->set_time(e->time() - splits[index]);
    }
    previous = e;
  }
  while (index < last - 1) add_state(++index);
}

std::vector<NoteSequence> extract_subsequences(const NoteSequence& ns, const std::vector<double>& splits) {
  NoteSequence blank = ns;
  blank.set_total_time(0.0);
  blank.clear_notes();
  blank.clear_time_signatures();
  blank.clear_key_signatures();
  blank.clear_tempos();
  blank.clear_text_annotations();
  blank.clear_control_changes();
  blank.clear_pitch_bends();
  std::vector<NoteSequence> pieces(splits.size() - 1, blank);

  std::vector<const NoteSequence::Note*> notes;
  for (const auto& n : ns.notes()) notes.push_back(&n);
  std::stable_sort(notes.begin(), notes.end(),
                   [](auto* a, auto* b) { return a->start_time() < b->start_time(); });
  const int last = static_cast<int>(splits.size()) - 1;
  int index = -1;
  for (const auto* n : notes) {
    if (n->start_time() < splits[0]) continue;
    while (index < last && n->start_time() >= splits[index + 1]) ++index;
    if (index == last) break;
    NoteSequence& piece = pieces[index];
    auto* note = piece.add_notes();
    *note = *n;
    note->set_start_time(n->start_time() - splits[index]);
    note->set_end_time(std::min(n->end_time(), splits[index + 1]) - splits[index]);
    if (note->end_time() > piece.total_time()) piece.set_total_time(note->end_time());
  }

  distribute_state_events(ns.time_signatures(), splits, pieces,
                          [](NoteSequence& p) { return p.mutable_time_signatures(); });
  distribute_state_events(ns.key_signatures(), splits, pieces,
                          [](NoteSequence& p) { return p.mutable_key_signatures(); });
  distribute_state_events(ns.tempos(), splits, pieces, [](NoteSequence& p) { return p.mutable_tempos(); });
  // Chord and beat annotations and sustain pedals do not reach the drums pipeline; MIDI input has none
  // of the former, and drum extraction ignores control changes.

  for (size_t k = 0; k < pieces.size(); ++k) {
    auto* info = pieces[k].mutable_subsequence_info();
    info->set_start_time_offset(splits[k]);
    info->set_end_time_offset(ns.total_time() - splits[k] - pieces[k].total_time());
  }
  return pieces;
}

bool is_power_of_two(int x) { return x > 0 && (x & (x - 1)) == 0; }

}  // namespace

std::vector<NoteSequence> split_on_time_changes(const NoteSequence& ns) {
  std::vector<TimeChange> changes;
  for (const auto& ts : ns.time_signatures()) changes.push_back({ts.time(), &ts, nullptr});
  for (const auto& t : ns.tempos()) changes.push_back({t.time(), nullptr, &t});
  std::stable_sort(changes.begin(), changes.end(),
                   [](const TimeChange& a, const TimeChange& b) { return a.time < b.time; });

  int numerator = 4, denominator = 4;
  double qpm = kDefaultQpm;
  std::vector<double> splits{0.0};
  for (const auto& c : changes) {
    if (!(c.time < ns.total_time())) continue;
    if (c.ts) {
      if (c.ts->numerator() == numerator && c.ts->denominator() == denominator) continue;
    } else if (c.tempo->qpm() == qpm) {
      continue;
    }
    if (c.time > splits.back()) splits.push_back(c.time);
    if (c.ts) {
      numerator = c.ts->numerator();
      denominator = c.ts->denominator();
    } else {
      qpm = c.tempo->qpm();
    }
  }
  if (ns.total_time() > splits.back()) splits.push_back(ns.total_time());
  if (splits.size() < 2) return {};
  return extract_subsequences(ns, splits);
}

int64_t quantize_to_step(double seconds, double steps_per_second, double cutoff) {
  // Python's int() truncates toward zero; so does the cast.
  return static_cast<int64_t>(seconds * steps_per_second + (1.0 - cutoff));
}

NoteSequence quantize_note_sequence(const NoteSequence& ns, int steps_per_quarter) {
  using Kind = QuantizeError::Kind;
  NoteSequence q = ns;
  q.mutable_quantization_info()->set_steps_per_quarter(steps_per_quarter);

  if (q.time_signatures_size() > 0) {
    std::vector<const NoteSequence::TimeSignature*> sorted;
    for (const auto& ts : q.time_signatures()) sorted.push_back(&ts);
    std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->time() < b->time(); });
    // An implicit 4/4 holds at time 0, so a later first signature other than 4/4 is a change.
    if (sorted[0]->time() != 0 && !(sorted[0]->numerator() == 4 && sorted[0]->denominator() == 4))
      throw QuantizeError(Kind::multiple_time_signatures, "implicit 4/4 followed by another time signature");
    const auto& first = q.time_signatures(0);  // note_seq compares with the first *stored* one
    for (size_t i = 1; i < sorted.size(); ++i)
      if (sorted[i]->numerator() != first.numerator() || sorted[i]->denominator() != first.denominator())
        throw QuantizeError(Kind::multiple_time_signatures, "time signature changes");
    q.mutable_time_signatures()->DeleteSubrange(1, q.time_signatures_size() - 1);
    q.mutable_time_signatures(0)->set_time(0.0);
  } else {
    auto* ts = q.add_time_signatures();
    ts->set_time(0.0);
    ts->set_numerator(4);
    ts->set_denominator(4);
  }
  const auto& ts = q.time_signatures(0);
  if (!is_power_of_two(ts.denominator()) || ts.numerator() == 0)
    throw QuantizeError(Kind::bad_time_signature, "bad time signature " + std::to_string(ts.numerator()) + "/" +
                                                      std::to_string(ts.denominator()));

  if (q.tempos_size() > 0) {
    std::vector<const NoteSequence::Tempo*> sorted;
    for (const auto& t : q.tempos()) sorted.push_back(&t);
    std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->time() < b->time(); });
    if (sorted[0]->time() != 0 && sorted[0]->qpm() != kDefaultQpm)
      throw QuantizeError(Kind::multiple_tempos, "implicit 120 qpm followed by another tempo");
    const double first_qpm = q.tempos(0).qpm();
    for (size_t i = 1; i < sorted.size(); ++i)
      if (sorted[i]->qpm() != first_qpm) throw QuantizeError(Kind::multiple_tempos, "tempo changes");
    q.mutable_tempos()->DeleteSubrange(1, q.tempos_size() - 1);
    q.mutable_tempos(0)->set_time(0.0);
  } else {
    auto* t = q.add_tempos();
    t->set_time(0.0);
    t->set_qpm(kDefaultQpm);
  }

  // Same operation order as note_seq's steps_per_quarter_to_steps_per_second.
  const double steps_per_second = steps_per_quarter * q.tempos(0).qpm() / 60.0;
  int64_t total = quantize_to_step(q.total_time(), steps_per_second);
  for (auto& note : *q.mutable_notes()) {
    int64_t start = quantize_to_step(note.start_time(), steps_per_second);
    int64_t end = quantize_to_step(note.end_time(), steps_per_second);
    if (end == start) ++end;
    if (start < 0 || end < 0) throw QuantizeError(Kind::negative_time, "note at negative time");
    note.set_quantized_start_step(start);
    note.set_quantized_end_step(end);
    total = std::max(total, end);
  }
  for (auto& cc : *q.mutable_control_changes()) {
    int64_t step = quantize_to_step(cc.time(), steps_per_second);
    if (step < 0) throw QuantizeError(Kind::negative_time, "control change at negative time");
    cc.set_quantized_step(step);
  }
  q.set_total_quantized_steps(total);
  return q;
}

double steps_per_bar_of(const NoteSequence& q) {
  double numerator = 4, denominator = 4;
  if (q.time_signatures_size() > 0) {
    numerator = q.time_signatures(0).numerator();
    denominator = q.time_signatures(0).denominator();
  }
  const double quarters_per_beat = 4.0 / denominator;
  const double quarters_per_bar = quarters_per_beat * numerator;
  return quarters_per_bar * q.quantization_info().steps_per_quarter();
}

}  // namespace drumrnn
