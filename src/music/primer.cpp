#include "music/primer.h"

#include <cctype>
#include <limits>

#include "music/sequences.h"

namespace drumrnn {
namespace {

// A tiny recursive-descent reader for the literal; `pos` always points at the next unread char.
struct Reader {
  const std::string& s;
  size_t pos = 0;
  void skip() {
    while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
  }
  bool take(char c) {
    skip();
    if (pos < s.size() && s[pos] == c) return ++pos, true;
    return false;
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw PrimerError("bad --primer_drums \"" + s + "\" at character " + std::to_string(pos + 1) + ": " + why +
                      " (expected e.g. \"[(36,42),(),(42,)]\")");
  }
  int number() {
    skip();
    size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (start == pos) fail("expected a pitch");
    if (pos - start > 3) fail("pitch out of range 0..127");
    return std::stoi(s.substr(start, pos - start));
  }
};

}  // namespace

std::vector<PitchSet> parse_primer_drums(const std::string& text, const DrumConfig& config) {
  Reader r{text};
  std::vector<PitchSet> steps;
  if (!r.take('[')) r.fail("expected '['");
  if (!r.take(']')) {
    do {
      if (!r.take('(')) r.fail("expected '(' starting a step");
      PitchSet step;
      int count = 0;
      bool trailing_comma = false;
      while (!r.take(')')) {
        const int pitch = r.number();
        if (pitch > 127) r.fail("pitch " + std::to_string(pitch) + " is out of range 0..127");
        if (config.id == DrumConfigId::drum_kit && drum_kit_class_of_pitch(pitch) < 0)
          r.fail("pitch " + std::to_string(pitch) + " belongs to no drum_kit class");
        step.insert(pitch);
        ++count;
        trailing_comma = r.take(',');
        if (!trailing_comma && !(r.skip(), r.pos < r.s.size() && r.s[r.pos] == ')')) r.fail("expected ',' or ')'");
      }
      if (count == 1 && !trailing_comma) r.fail("a one-pitch step needs a trailing comma, as in (36,)");
      steps.push_back(step);
    } while (r.take(',') && (r.skip(), r.pos < r.s.size() && r.s[r.pos] != ']'));
    if (!r.take(']')) r.fail("expected ']'");
  }
  r.skip();
  if (r.pos != text.size()) r.fail("unexpected text after ']'");
  return steps;
}

GenerationPlan plan_generation(const magenta::NoteSequence& primer, const DrumConfig& config, double qpm,
                               int64_t num_steps) {
  if (primer.tempos_size() > 0) qpm = primer.tempos(0).qpm();
  const double seconds_per_step = 60.0 / qpm / config.steps_per_quarter;
  const double total_seconds = double(num_steps) * seconds_per_step;
  double last_end = 0.0;
  for (const auto& n : primer.notes()) last_end = std::max(last_end, n.end_time());
  const double start_time = last_end + seconds_per_step;
  if (start_time >= total_seconds)
    throw PrimerError("--num_steps " + std::to_string(num_steps) + " leaves no room to generate after the primer (" +
                      std::to_string(int64_t(last_end / seconds_per_step + 0.5)) + " steps)");

  magenta::NoteSequence q;
  try {
    q = quantize_note_sequence(primer, config.steps_per_quarter);
  } catch (const QuantizeError& e) {
    throw PrimerError(std::string("the primer cannot be quantized: ") + e.what());
  }
  // One track from step 0, no gap limit, every note a drum (Magenta primes with ignore_is_drum).
  DrumTrack track = drum_track_from_quantized(q, 0, std::numeric_limits<double>::infinity(), false, true);
  const double steps_per_second = config.steps_per_quarter * qpm / 60.0;
  const int64_t start_step = quantize_to_step(start_time, steps_per_second, 0.0);
  const int64_t end_step = quantize_to_step(total_seconds, steps_per_second, 1.0);
  if (track.events.empty()) track.start_step = std::max<int64_t>(0, start_step - 1);
  track.events.resize(static_cast<size_t>(std::max<int64_t>(0, start_step - track.start_step)));
  const int64_t total = end_step - track.start_step;
  if (track.events.empty() || int64_t(track.events.size()) >= total)
    throw PrimerError("--num_steps " + std::to_string(num_steps) + " must be longer than the primer");
  return {track, total, qpm};
}

}  // namespace drumrnn
