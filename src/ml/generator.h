// The streaming generator the live engine plays: one drum step per step() call, sampled from the
// drum RNN. Temperature, primer and reset can be changed from a control thread at any time and take
// effect at the next step. After construction, step(), prime(), snapshot_into() and restore() never
// allocate, lock or wait. It steps on a half-float copy of the weights (DrumRnnStepper half_weights):
// batch-1 steps are memory-bound.
//
// Threads: the generator thread calls step(), prime(), snapshot_into(), restore() and the accessors
// marked "generator thread"; one control thread at a time calls set_primer(); set_temperature(),
// temperature() and reset() are safe from any thread.
//
// Sampling is reproducible: every restart (the first step or prime(), reset(), a new primer) reseeds
// a std::mt19937_64 with the seed, and each step draws u from std::uniform_real_distribution<double>
// on [0, 1) and takes sample_index(softmax_with_temperature(logits)). So the steps after a restart
// depend only on the seed, the primer and the temperatures.
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
  int64_t position = 0;   // this step's index in the event list, primer included (see position())
};

class Generator {
 public:
  static constexpr size_t kMaxPrimerSteps = 1024;

  // Everything step() depends on besides the controls (temperature, primer, seed): the LSTM's c and h
  // for every layer, the RNG, the position, the last event, the produced count and whether the primer
  // has been fed. Sized for one model by make_state(); copying into it allocates nothing.
  struct State {
    std::vector<float> lstm;  // DrumRnn::state_size() floats: c then h, layer by layer
    std::mt19937_64 rng;
    int64_t position = -1;
    int64_t produced = 0;
    int last_class = 0;
    bool primed = false;
  };

  // Shares ownership of the model, so swapping models elsewhere can never leave this generator
  // reading freed weights. The default primer is Magenta's: a single kick. Throws
  // std::invalid_argument for a null model.
  Generator(std::shared_ptr<const DrumRnn> model, uint64_t seed);

  // Produces the next step. If a restart is pending (nothing primed yet, reset(), a new primer) it
  // first feeds the whole primer, as prime() would; otherwise it feeds only the previous step.
  // Real-time safe.
  GeneratedStep step();

  // Restarts now, on the calling thread: takes any pending reset or primer, reseeds, and feeds the
  // primer (up to kMaxPrimerSteps LSTM steps, ~74 ms for [256,256,256]), so that the next step() is a
  // single cheap step. The engine primes a second generator off the audio path and switches to it at
  // a step boundary. A reset or primer arriving after prime() still restarts at the next step().
  void prime();

  // Thread-safe controls (lock-free; any thread).
  void set_temperature(float t) { temperature_.store(t > 1e-3f ? t : 1e-3f, std::memory_order_relaxed); }
  float temperature() const { return temperature_.load(std::memory_order_relaxed); }
  // Replaces the primer and restarts from it at the next step. A primer longer than kMaxPrimerSteps
  // keeps its last steps at their original positions (so the bar counters do not shift). Allocation
  // free. One control thread at a time.
  void set_primer(std::span<const PitchSet> events);
  // Restarts from the current primer at the next step, replaying what the generator played after its
  // last restart with the same seed (a fresh generator's steps, at unchanged temperature).
  void reset() { reset_requested_.store(true, std::memory_order_release); }
  // Restarts with a new seed: a new variation on the same primer.
  void reset(uint64_t seed) {
    seed_.store(seed, std::memory_order_relaxed);
    reset_requested_.store(true, std::memory_order_release);
  }
  uint64_t seed() const { return seed_.load(std::memory_order_relaxed); }

  // Snapshot and restore (generator thread): throw away lookahead steps and regenerate them, e.g.
  // after a temperature change, without a restart. restore() leaves pending controls pending: a reset
  // or new primer still restarts at the next step. Both throw std::invalid_argument for a State not
  // made by this generator's make_state() (wrong size); otherwise they allocate nothing.
  State make_state() const;                // allocates once
  void snapshot_into(State& out) const;    // allocation-free
  State snapshot() const;                  // make_state() + snapshot_into()
  void restore(const State& state);        // allocation-free

  // Generator thread: the index in the event list (primer included; a trimmed primer's steps keep
  // their original indices) of the last event fed or produced; the next step() produces position() + 1.
  // -1 before the first step or prime().
  int64_t position() const { return position_; }
  // How many steps have been produced since the last (re)start (generator thread only).
  int64_t steps_since_start() const { return produced_; }

  const DrumConfig& config() const { return config_; }
  const std::shared_ptr<const DrumRnn>& model() const { return model_; }

 private:
  struct PrimerSlot {
    std::array<int, kMaxPrimerSteps> classes{};
    size_t length = 0;
    int64_t first_position = 0;  // the steps cut from the front of a long primer
  };
  bool take_restart_request();  // generator thread only
  void restart();               // generator thread only

  std::shared_ptr<const DrumRnn> model_;
  const DrumConfig& config_;
  DrumRnnStepper stepper_;
  std::mt19937_64 rng_;
  std::vector<float> logits_, probs_;
  std::atomic<float> temperature_{1.0f};
  std::atomic<uint64_t> seed_;
  std::atomic<bool> reset_requested_{false};

  // Primer handoff: a triple buffer. The writer fills `back`, then swaps it with `middle` and sets
  // the dirty bit; step() swaps `middle` into `front` when the bit is set. No slot is ever shared.
  std::array<PrimerSlot, 3> slots_;
  std::atomic<uint32_t> middle_{1};  // slot index in the low bits; bit 2 set = a fresh primer waiting
  uint32_t front_ = 0, back_ = 2;

  // Generation state (generator thread only). Between steps the LSTM has consumed every event
  // before last_class_, which the next step() feeds at position_.
  int last_class_ = 0;
  int64_t position_ = -1;
  int64_t produced_ = 0;
  bool primed_ = false;
};

}  // namespace drumrnn
