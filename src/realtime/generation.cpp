#include "realtime/generation.h"

#include <algorithm>
#include <chrono>

#include "music/drum_encoding.h"

namespace drumrnn::rt {
namespace {

constexpr int kHistory = 4096;       // steps kept for loops and call-and-response (256 bars)
constexpr int kCounterPeriod = 64;   // drum_kit's six binary counters repeat every 64 steps
constexpr int kStepsPerBar = 16;
constexpr size_t kMaxConditioning = Generator::kMaxPrimerSteps - kCounterPeriod;

size_t slot(int64_t step) { return static_cast<size_t>(step) % kHistory; }

}  // namespace

GenerationService::GenerationService(std::shared_ptr<const DrumRnn> model, GenerationOptions options)
    : options_(std::move(options)),
      temperature_(options_.temperature),
      mode_(uint8_t(options_.mode)),
      mode_bars_(std::clamp(options_.mode_bars, 1, 64)),
      model_(std::move(model)),
      seed_rng_(options_.seed),
      history_(kHistory, 0),
      call_record_(kHistory, 0),
      current_mode_(GenerationMode::continuous),
      current_bars_(mode_bars_.load()) {
  options_.lookahead = std::clamp(options_.lookahead, 1, StepRing::kSize / 4);
  primer_ = options_.primer;
  if (primer_.size() > kMaxConditioning) primer_.erase(primer_.begin(), primer_.end() - kMaxConditioning);
  for (const auto& e : primer_) primer_classes_.push_back(encode_drum_event(*model_->shape().config, e));
  // Nothing plays before Play, and Play starts from the standby ring: fill it now (no threads yet,
  // so this runs inline), so the first downbeat never waits for the loader.
  prepare_standby();
  take_loaded();
}

GenerationService::~GenerationService() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  loader_cv_.notify_all();
  wake_.release();
  if (generator_thread_.joinable()) generator_thread_.join();
  if (loader_thread_.joinable()) loader_thread_.join();
}

void GenerationService::start_threads() {
  threads_ = true;
  loader_thread_ = std::thread([this] { loader_thread_main(); });
  generator_thread_ = std::thread([this] { generator_thread_main(); });
}

// --- audio thread ---------------------------------------------------------------------------------

void GenerationService::on_next_step(int64_t next_step) {
  audio_next_.store(next_step, std::memory_order_release);
  if (threads_) wake_.release();
}

void GenerationService::on_play_from_start() {
  active_.store(1 - active_.load(std::memory_order_relaxed), std::memory_order_release);
  play_epoch_.fetch_add(1, std::memory_order_acq_rel);
  audio_next_.store(0, std::memory_order_release);
  if (threads_) wake_.release();
}

void GenerationService::push_pad(int64_t step, int drum_class_bit) { pads_.try_enqueue({step, drum_class_bit}); }

// --- other threads --------------------------------------------------------------------------------

void GenerationService::set_primer(std::vector<PitchSet> primer) {
  if (primer.size() > kMaxConditioning) primer.erase(primer.begin(), primer.end() - kMaxConditioning);
  {
    std::lock_guard lock(mutex_);
    pending_primer_ = std::move(primer);
    primer_dirty_ = true;
  }
  if (threads_) wake_.release();
}

void GenerationService::swap_model(std::shared_ptr<const DrumRnn> model) {
  // The seed is drawn on the generator thread when the swap lands (seed_rng_ is its state).
  submit({LoadRequest::model_swap, std::move(model), {}, 0, 0});
}

GenerationStatus GenerationService::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::vector<PitchSet> GenerationService::primer() const {
  std::lock_guard lock(mutex_);
  return primer_dirty_ ? pending_primer_ : primer_;
}

std::shared_ptr<const DrumRnn> GenerationService::model() const {
  std::lock_guard lock(mutex_);
  return model_;
}

// --- the loader -----------------------------------------------------------------------------------

std::unique_ptr<Generator> GenerationService::new_generator(const std::shared_ptr<const DrumRnn>& model,
                                                            uint64_t seed) const {
  auto g = std::make_unique<Generator>(model, seed);
  g->set_temperature(temperature_.load(std::memory_order_relaxed));
  return g;
}

GenerationService::Loaded GenerationService::load(const LoadRequest& r) const {
  Loaded out{r.kind, new_generator(r.model, r.seed), r.model, r.switch_at};
  if (r.kind != LoadRequest::model_swap) {
    out.generator->set_primer(r.conditioning);
    out.generator->prime();
  }
  return out;
}

void GenerationService::submit(LoadRequest request) {
  if (!threads_) {
    // Offline: the same work, in order, on this thread.
    Loaded l = load(request);
    std::lock_guard lock(mutex_);
    loaded_.push_back(std::move(l));
    return;
  }
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
  }
  loader_cv_.notify_one();
}

void GenerationService::loader_thread_main() {
  std::unique_lock lock(mutex_);
  while (true) {
    loader_cv_.wait(lock, [&] { return quit_ || !requests_.empty(); });
    if (quit_) return;
    LoadRequest r = std::move(requests_.front());
    requests_.pop_front();
    lock.unlock();
    Loaded l = load(r);
    lock.lock();
    loaded_.push_back(std::move(l));
    lock.unlock();
    wake_.release();
    lock.lock();
  }
}

// --- the generator thread -------------------------------------------------------------------------

void GenerationService::generator_thread_main() {
  while (true) {
    wake_.try_acquire_for(std::chrono::milliseconds(2));
    {
      std::lock_guard lock(mutex_);
      if (quit_) return;
    }
    work_once();
  }
}

void GenerationService::pump() { work_once(); }

int64_t GenerationService::next_bar(int64_t step, int bars) const {
  const int64_t len = int64_t(kStepsPerBar) * bars;
  return (step + len - 1) / len * len;
}

std::vector<PitchSet> GenerationService::aligned(std::vector<PitchSet> events, int64_t continue_at) const {
  // The model reads the bar position from counters of the event index, so pad with silence until the
  // first generated step lands where the engine will play it.
  const int64_t want = ((continue_at % kCounterPeriod) + kCounterPeriod) % kCounterPeriod;
  const int64_t have = static_cast<int64_t>(events.size()) % kCounterPeriod;
  const int64_t pad = ((want - have) % kCounterPeriod + kCounterPeriod) % kCounterPeriod;
  events.insert(events.begin(), static_cast<size_t>(pad), PitchSet{});
  return events;
}

std::vector<PitchSet> GenerationService::recent_history(int64_t before, int steps) const {
  const DrumConfig& config = *model_->shape().config;
  std::vector<PitchSet> out;
  for (int64_t s = std::max<int64_t>(0, before - steps); s < before; ++s)
    out.push_back(decode_drum_class(config, history_[slot(s)]));
  return out;
}

void GenerationService::write_step(int64_t n, int cls, bool from_primer) {
  history_[slot(n)] = cls;
  rings_[active_.load(std::memory_order_acquire)].write(n, cls, from_primer);
}

void GenerationService::restart_phrase(int64_t at) {
  phrase_start_ = at;
  // The primer plays from `at`; a generator primed on it in the background continues after it.
  generator_.reset();
  const int64_t p = static_cast<int64_t>(primer_.size());
  ++phrases_loading_;
  submit({LoadRequest::next_phrase, model_, primer_, at + p, next_seed()});
}

void GenerationService::prepare_standby() {
  // Steps 0..lookahead of the next Play: the primer, then (if the primer is shorter) the model.
  standby_ready_ = false;
  standby_ = nullptr;
  submit({LoadRequest::standby, model_, primer_, static_cast<int64_t>(primer_.size()), next_seed()});
}

void GenerationService::adopt_standby() {
  // The audio now reads the ring that prepare_standby filled: continue from where it ends.
  produced_ = options_.lookahead + 1;
  phrase_start_ = 0;
  loop_from_ = -1;
  call_start_ = current_mode_ == GenerationMode::call_response ? 0 : -1;
  next_phrase_at_ = current_mode_ == GenerationMode::regenerate ? int64_t(kStepsPerBar) * current_bars_ : -1;
  for (int64_t s = 0; s < produced_; ++s) history_[slot(s)] = standby_steps_[static_cast<size_t>(s)];
  generator_ = std::move(standby_);
  prepare_standby();
}

void GenerationService::take_loaded() {
  std::deque<Loaded> arrived;
  {
    std::lock_guard lock(mutex_);
    arrived.swap(loaded_);
  }
  for (auto& l : arrived) {
    switch (l.kind) {
      case LoadRequest::next_phrase:
        if (phrases_loading_ > 0) --phrases_loading_;
        if (l.switch_at >= phrase_start_ && !generator_) generator_ = std::move(l.generator);
        break;
      case LoadRequest::standby: {
        // Fill the standby ring now: the primer, then the standby generator's first steps.
        StepRing& ring = rings_[1 - active_.load(std::memory_order_acquire)];
        const int64_t p = static_cast<int64_t>(primer_classes_.size());
        standby_steps_.assign(static_cast<size_t>(options_.lookahead) + 1, 0);
        for (int64_t s = 0; s <= options_.lookahead; ++s) {
          const bool from_primer = s < p;
          const int cls = from_primer ? primer_classes_[static_cast<size_t>(s)] : l.generator->step().drum_class;
          standby_steps_[static_cast<size_t>(s)] = cls;
          ring.write(s, cls, from_primer);
        }
        standby_ = std::move(l.generator);
        standby_ready_ = true;
        break;
      }
      case LoadRequest::primer_change:
        primer_swap_ = std::move(l.generator);
        primer_swap_at_ = l.switch_at;
        break;
      case LoadRequest::model_swap:
        model_swap_ = std::move(l.generator);
        model_swap_model_ = std::move(l.model);
        model_swap_at_ = next_bar(produced_);
        break;
    }
  }
}

void GenerationService::produce(int64_t n) {
  // A new primer's generator takes over at its aligned step (or a counter period later).
  if (primer_swap_ && n >= primer_swap_at_ && (n - primer_swap_at_) % kCounterPeriod == 0) {
    generator_ = std::move(primer_swap_);
    primer_swap_at_ = -1;
  }
  // A new model lands at a bar line and continues the groove that is playing: it is conditioned on
  // the last bars played (64 steps of the 256-unit model prime in about 5 ms).
  if (model_swap_ && n >= model_swap_at_ && n % kStepsPerBar == 0) {
    generator_ = std::move(model_swap_);
    generator_->reset(next_seed());
    generator_->set_primer(aligned(recent_history(n, kCounterPeriod), n));
    generator_->prime();
    primer_swap_ = nullptr;  // conditioned on the old model
    {
      std::lock_guard lock(mutex_);
      model_ = std::move(model_swap_model_);
      ++status_.model_swaps;
      status_.last_swap_step = n;
    }
    model_swap_at_ = -1;
    prepare_standby();
  }
  const int64_t bars_len = int64_t(kStepsPerBar) * current_bars_;
  if (current_mode_ == GenerationMode::loop && loop_from_ >= 0 && n >= loop_from_) {
    write_step(n, history_[slot(n - bars_len)], false);
    return;
  }
  if (n == restart_at_) {
    restart_phrase(n);
    restart_at_ = -1;
  }
  if (current_mode_ == GenerationMode::regenerate && next_phrase_at_ >= 0 && n == next_phrase_at_) {
    restart_phrase(n);
    next_phrase_at_ = n + bars_len;
  }
  if (current_mode_ == GenerationMode::call_response && call_start_ >= 0 && n >= call_start_) {
    const int64_t into = (n - call_start_) % (2 * bars_len);
    if (into < bars_len) {  // the call: the performer plays, the model listens
      write_step(n, 0, false);
      return;
    }
    if (into == bars_len) {
      // The response: primed on what was played in the call.
      const DrumConfig& config = *model_->shape().config;
      std::vector<PitchSet> call;
      for (int64_t s = n - bars_len; s < n; ++s) call.push_back(decode_drum_class(config, call_record_[slot(s)]));
      generator_ = new_generator(model_, next_seed());
      generator_->set_primer(aligned(std::move(call), n));
      generator_->prime();
    }
  } else {
    const int64_t offset = n - phrase_start_;
    if (offset >= 0 && offset < static_cast<int64_t>(primer_classes_.size())) {
      write_step(n, primer_classes_[static_cast<size_t>(offset)], true);
      return;
    }
  }
  if (!generator_ && phrases_loading_ > 0) {
    // The phrase's generator is still priming: wait for it (it had the primer's length to get ready).
    // Before the first Play, or on a Continue without one, none is on its way: do not wait.
    for (int tries = 0; tries < 400 && !generator_ && phrases_loading_ > 0; ++tries) {
      take_loaded();
      if (!generator_) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }
  if (!generator_) generator_ = new_generator(model_, next_seed());
  generator_->set_temperature(temperature_.load(std::memory_order_relaxed));
  if (options_.lookahead > 1) {
    if (undo_owner_ != generator_.get()) {
      undo_.assign(static_cast<size_t>(options_.lookahead) + 2, generator_->make_state());
      undo_step_.assign(undo_.size(), -1);
      undo_owner_ = generator_.get();
    }
    const size_t u = static_cast<size_t>(n) % undo_.size();
    generator_->snapshot_into(undo_[u]);
    undo_step_[u] = n;
  }
  write_step(n, generator_->step().drum_class, false);
}

void GenerationService::rewind_for_new_temperature() {
  // The audio may be reading the step it plays next; everything after it can still change.
  const int64_t from = audio_next_.load(std::memory_order_acquire) + 1;
  if (options_.lookahead <= 1 || from >= produced_ || undo_owner_ != generator_.get() || !generator_) return;
  for (int64_t s = from; s < produced_; ++s)
    if (undo_step_[static_cast<size_t>(s) % undo_.size()] != s) return;  // not all from this generator
  generator_->restore(undo_[static_cast<size_t>(from) % undo_.size()]);
  produced_ = from;
}

void GenerationService::work_once() {
  take_loaded();
  const uint64_t epoch = play_epoch_.load(std::memory_order_acquire);
  if (epoch != epoch_seen_) {
    epoch_seen_ = epoch;
    if (standby_ready_) adopt_standby();
    else {
      produced_ = 0;
      restart_phrase(0);
    }
  }
  // Performer controls.
  const auto mode = GenerationMode(mode_.load(std::memory_order_relaxed));
  const int bars = mode_bars_.load(std::memory_order_relaxed);
  if (mode != current_mode_ || bars != current_bars_) {
    current_mode_ = mode;
    current_bars_ = bars;
    const int64_t bar = next_bar(produced_);
    loop_from_ = mode == GenerationMode::loop ? bar : -1;
    next_phrase_at_ = mode == GenerationMode::regenerate ? bar : -1;
    call_start_ = mode == GenerationMode::call_response ? bar : -1;
  }
  if (const uint64_t s = reseed_.exchange(0, std::memory_order_relaxed)) seed_rng_.seed(s - 1);
  const float t = temperature_.load(std::memory_order_relaxed);
  if (t != last_temperature_) {
    if (last_temperature_ >= 0) rewind_for_new_temperature();
    last_temperature_ = t;
  }
  if (regenerate_.exchange(false, std::memory_order_relaxed)) restart_at_ = next_bar(produced_);
  {
    std::unique_lock lock(mutex_);
    if (primer_dirty_) {
      primer_ = std::move(pending_primer_);
      primer_dirty_ = false;
      lock.unlock();
      primer_classes_.clear();
      for (const auto& e : primer_) primer_classes_.push_back(encode_drum_event(*model_->shape().config, e));
      // Heard from the first step after the lookahead: a generator conditioned on the new primer,
      // aligned to the bar, takes over there.
      const int64_t at = produced_ + 2;
      submit({LoadRequest::primer_change, model(), aligned(primer_, at), at, next_seed()});
      prepare_standby();
      std::lock_guard relock(mutex_);
      ++status_.primer_changes;
    }
  }
  std::pair<int64_t, int> pad;
  while (pads_.try_dequeue(pad)) call_record_[slot(pad.first)] |= pad.second;

  const int64_t target = audio_next_.load(std::memory_order_acquire) + options_.lookahead;
  while (produced_ <= target) {
    produce(produced_);
    ++produced_;
  }
  std::lock_guard lock(mutex_);
  status_.produced = produced_;
  status_.phrase_start = phrase_start_;
}

}  // namespace drumrnn::rt
