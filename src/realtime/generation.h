// The generator side of the engine: runs the drum RNN ahead of the playhead and writes steps into a
// StepRing that the audio thread reads. Two threads, neither of them the audio thread:
//   - the generator thread produces steps up to `lookahead` ahead of the step the audio plays next;
//   - the loader thread builds and primes new generators (a new model, a new primer, the next phrase
//     of regenerate mode) so that a 1,024-step primer (~74 ms for [256,256,256]) never stalls
//     production; the generator thread switches to them at a step boundary (a bar line for a model).
// `render` and the tests run the same code without threads (pump()), so a seed gives the same bytes.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include <readerwriterqueue/readerwriterqueue.h>

#include "ml/drum_rnn.h"
#include "ml/generator.h"
#include "music/drum_track.h"
#include "realtime/controls.h"
#include "realtime/step_ring.h"

namespace drumrnn::rt {

struct GenerationOptions {
  GenerationMode mode = GenerationMode::continuous;
  int mode_bars = 2;           // N of loop:N, regenerate:N, call-response phrases
  int lookahead = 1;           // steps generated ahead of the step the audio plays next
  uint64_t seed = 0;
  float temperature = 1.0f;
  std::vector<PitchSet> primer = {PitchSet{36}};  // Magenta's default: one kick
};

struct GenerationStatus {
  int64_t produced = 0;         // the next step the generator will write
  int64_t model_swaps = 0;
  int64_t last_swap_step = -1;
  int64_t primer_changes = 0;
  int64_t phrase_start = 0;
};

class GenerationService {
 public:
  GenerationService(std::shared_ptr<const DrumRnn> model, GenerationOptions options);
  ~GenerationService();  // stops the threads
  GenerationService(const GenerationService&) = delete;
  GenerationService& operator=(const GenerationService&) = delete;

  void start_threads();  // live use; without it, pump() does the work on the caller's thread
  // Offline: brings the ring up to date for the audio's next step (deterministic, no threads).
  void pump();

  // --- audio thread (lock-free) -------------------------------------------------------------------
  // The ring the audio reads. Play from bar 1 flips to the standby ring, which already holds the
  // first steps of a fresh phrase, so the downbeat never waits for the model.
  DRUMRNN_RT const StepRing& ring() const { return rings_[active_.load(std::memory_order_acquire)]; }
  DRUMRNN_RT void on_next_step(int64_t next_step);  // the step the audio will play next
  DRUMRNN_RT void on_play_from_start();             // Play from bar 1: the phrase restarts
  DRUMRNN_RT void set_temperature(float t) { temperature_.store(t, std::memory_order_relaxed); }
  DRUMRNN_RT void set_mode(GenerationMode m) { mode_.store(uint8_t(m), std::memory_order_relaxed); }
  DRUMRNN_RT void set_mode_bars(int n) { mode_bars_.store(n < 1 ? 1 : (n > 64 ? 64 : n), std::memory_order_relaxed); }
  DRUMRNN_RT void reseed(uint64_t seed) { reseed_.store(seed + 1, std::memory_order_relaxed); }
  DRUMRNN_RT void regenerate() { regenerate_.store(true, std::memory_order_relaxed); }
  DRUMRNN_RT void push_pad(int64_t step, int drum_class_bit);  // call and response: what a pad played

  // --- any other thread ---------------------------------------------------------------------------
  void set_primer(std::vector<PitchSet> primer);         // heard from the first step after the lookahead
  void swap_model(std::shared_ptr<const DrumRnn> model);  // lands at the next bar line
  float temperature() const { return temperature_.load(std::memory_order_relaxed); }
  GenerationMode mode() const { return GenerationMode(mode_.load(std::memory_order_relaxed)); }
  int mode_bars() const { return mode_bars_.load(std::memory_order_relaxed); }
  GenerationStatus status() const;
  std::vector<PitchSet> primer() const;
  std::shared_ptr<const DrumRnn> model() const;

 private:
  struct LoadRequest {
    enum Kind { primer_change, model_swap, next_phrase, standby } kind;
    std::shared_ptr<const DrumRnn> model;
    std::vector<PitchSet> conditioning;  // fed to the new generator before it continues
    int64_t switch_at = 0;               // the step the new generator's first output plays at
    uint64_t seed = 0;
  };
  struct Loaded {
    LoadRequest::Kind kind;
    std::unique_ptr<Generator> generator;
    std::shared_ptr<const DrumRnn> model;
    int64_t switch_at = 0;
  };

  void generator_thread_main();
  void loader_thread_main();
  void work_once();                      // one round of the generator thread's job
  void produce(int64_t n);
  void submit(LoadRequest request);      // to the loader (inline when there are no threads)
  Loaded load(const LoadRequest& request) const;
  void take_loaded();
  void restart_phrase(int64_t at);
  void prepare_standby();
  void adopt_standby();
  void write_step(int64_t n, int cls, bool from_primer);
  std::vector<PitchSet> aligned(std::vector<PitchSet> events, int64_t continue_at) const;
  std::unique_ptr<Generator> new_generator(const std::shared_ptr<const DrumRnn>& model, uint64_t seed) const;
  std::vector<PitchSet> recent_history(int64_t before, int steps) const;
  int64_t next_bar(int64_t step, int bars = 1) const;
  uint64_t next_seed() { return seed_rng_(); }

  GenerationOptions options_;
  StepRing rings_[2];
  std::atomic<int> active_{0};

  // Shared with the audio thread.
  std::atomic<int64_t> audio_next_{0};
  std::atomic<uint64_t> play_epoch_{0};
  std::atomic<float> temperature_;
  std::atomic<uint8_t> mode_;
  std::atomic<int> mode_bars_;
  std::atomic<uint64_t> reseed_{0};
  std::atomic<bool> regenerate_{false};
  moodycamel::ReaderWriterQueue<std::pair<int64_t, int>> pads_{256};
  std::counting_semaphore<1 << 20> wake_{0};

  // Generator thread state.
  std::unique_ptr<Generator> generator_;
  std::shared_ptr<const DrumRnn> model_;
  std::mt19937_64 seed_rng_;
  std::vector<int> history_;      // classes by step % size
  std::vector<int> call_record_;  // pads by step % size (call and response)
  int64_t produced_ = 0, phrase_start_ = 0, loop_from_ = -1, next_phrase_at_ = -1, call_start_ = -1,
          restart_at_ = -1;
  std::unique_ptr<Generator> standby_;  // continues the standby ring's steps after a Play
  bool standby_ready_ = false;
  std::vector<int> standby_steps_;
  // Undo for the lookahead: the generator's state before each step it wrote, so a temperature change
  // rewrites the steps not yet heard instead of waiting for them to play (lookahead > 1).
  std::vector<Generator::State> undo_;
  std::vector<int64_t> undo_step_;
  const Generator* undo_owner_ = nullptr;
  float last_temperature_ = -1.0f;
  void rewind_for_new_temperature();
  std::unique_ptr<Generator> primer_swap_, model_swap_;
  int64_t primer_swap_at_ = -1, model_swap_at_ = -1;
  std::shared_ptr<const DrumRnn> model_swap_model_;
  uint64_t epoch_seen_ = 0;
  GenerationMode current_mode_;
  int current_bars_;
  int phrases_loading_ = 0;  // next_phrase requests at the loader: only then is a missing generator_ worth waiting for
  std::vector<PitchSet> primer_;      // the primer in force (generator thread's copy)
  std::vector<int> primer_classes_;

  // Shared between threads that may lock (never the audio thread).
  mutable std::mutex mutex_;
  std::condition_variable loader_cv_;
  std::deque<LoadRequest> requests_;
  std::deque<Loaded> loaded_;
  std::vector<PitchSet> pending_primer_;
  bool primer_dirty_ = false;
  GenerationStatus status_;
  bool threads_ = false, quit_ = false;
  std::thread generator_thread_, loader_thread_;
};

}  // namespace drumrnn::rt
