// The streaming generator the live engine plays: one drum step per step() call, sampled from the
// drum RNN. Temperature, primer and reset can be changed from any other thread at any time and take
// effect at the next step. After construction, step() never allocates, locks or waits. It steps on
// a half-float copy of the weights (DrumRnnStepper half_weights): batch-1 steps are memory-bound.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "ml/drum_rnn.h"
#include "music/drum_track.h"

namespace drumrnn {

struct GeneratedStep {
  int drum_class = 0;  // the config's class index (drum_kit: 9-bit mask of drums hit)
  PitchSet pitches;    // the decoded MIDI pitches
  float probability = 0;  // of the sampled class under the temperature-scaled softmax
};

class Generator {
 public:
  static constexpr size_t kMaxPrimerSteps = 1024;

  // The model must outlive the generator. The default primer is Magenta's: a single kick.
  Generator(const DrumRnn& model, uint64_t seed);

  // Produces the next step: the first call after a (re)start feeds the whole primer, later calls feed
  // only the previous step. Real-time safe.
  GeneratedStep step();

  // Thread-safe controls (lock-free; any thread).
  void set_temperature(float t) { temperature_.store(t > 1e-3f ? t : 1e-3f, std::memory_order_relaxed); }
  float temperature() const { return temperature_.load(std::memory_order_relaxed); }
  // Replaces the primer (at most kMaxPrimerSteps events; longer primers keep their last steps) and
  // restarts from it at the next step. Must not be called from two threads at once.
  void set_primer(std::span<const PitchSet> events);
  // Restarts from the current primer at the next step.
  void reset() { reset_requested_.store(true, std::memory_order_release); }

  // How many steps have been produced since the last (re)start (generator thread only).
  int64_t steps_since_start() const { return produced_; }

 private:
  struct PrimerSlot {
    std::array<int, kMaxPrimerSteps> classes{};
    size_t length = 0;
  };
  void restart();  // generator thread only

  const DrumRnn& model_;
  const DrumConfig& config_;
  DrumRnnStepper stepper_;
  std::mt19937_64 rng_;
  std::vector<float> logits_, probs_;
  std::atomic<float> temperature_{1.0f};
  std::atomic<bool> reset_requested_{true};

  // Primer handoff: a triple buffer. The writer fills `back`, then swaps it with `middle` and sets
  // the dirty bit; step() swaps `middle` into `front` when the bit is set. No slot is ever shared.
  std::array<PrimerSlot, 3> slots_;
  std::atomic<uint32_t> middle_{1};  // slot index in the low bits; bit 2 set = a fresh primer waiting
  uint32_t front_ = 0, back_ = 2;

  // Generation state (generator thread only).
  int last_class_ = 0;
  int64_t position_ = 0;  // index of the last event in the event list (primer included)
  int64_t produced_ = 0;
  bool primed_ = false;
};

}  // namespace drumrnn
