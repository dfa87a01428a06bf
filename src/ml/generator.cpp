#include "ml/generator.h"

#include <algorithm>
#include <stdexcept>

#include "ml/sampling.h"

namespace drumrnn {

namespace {

const DrumRnn& require(const std::shared_ptr<const DrumRnn>& model) {
  if (!model) throw std::invalid_argument("Generator: null model");
  return *model;
}

}  // namespace

Generator::Generator(std::shared_ptr<const DrumRnn> model, uint64_t seed)
    : model_(std::move(model)), config_(*require(model_).shape().config),
      stepper_(*model_, 1, /*half_weights=*/true), rng_(seed), logits_(model_->shape().num_classes()),
      probs_(model_->shape().num_classes()), seed_(seed) {
  // Magenta's default primer: one kick.
  slots_[front_].classes[0] = encode_drum_event(config_, PitchSet{36});
  slots_[front_].length = 1;
}

void Generator::set_primer(std::span<const PitchSet> events) {
  PrimerSlot& slot = slots_[back_];
  const size_t skip = events.size() > kMaxPrimerSteps ? events.size() - kMaxPrimerSteps : 0;
  slot.length = events.size() - skip;
  // The kept steps keep their positions: the counters (drum_kit's period is 64 steps) stay on the bar.
  slot.first_position = static_cast<int64_t>(skip);
  for (size_t i = 0; i < slot.length; ++i) slot.classes[i] = encode_drum_event(config_, events[skip + i]);
  back_ = middle_.exchange(back_ | 4u, std::memory_order_acq_rel) & 3u;
}

bool Generator::take_restart_request() {
  // Always consume a pending reset, even when a new primer restarts anyway.
  bool restart = reset_requested_.exchange(false, std::memory_order_acq_rel);
  if (middle_.load(std::memory_order_acquire) & 4u) {
    front_ = middle_.exchange(front_, std::memory_order_acq_rel) & 3u;
    restart = true;
  }
  return restart;
}

void Generator::restart() {
  stepper_.reset();
  rng_.seed(seed_.load(std::memory_order_relaxed));
  const PrimerSlot& primer = slots_[front_];
  // An empty primer is one silent step, so the model always has an event to continue.
  const size_t length = std::max<size_t>(primer.length, 1);
  const int64_t first = primer.length ? primer.first_position : 0;
  // Feed all but the last event; step() feeds that one and samples what follows.
  for (size_t i = 0; i + 1 < length; ++i) {
    const int64_t pos = first + static_cast<int64_t>(i);
    stepper_.step(&primer.classes[i], &pos, 1, logits_.data());
  }
  last_class_ = primer.length ? primer.classes[length - 1] : 0;
  position_ = first + static_cast<int64_t>(length) - 1;
  produced_ = 0;
  primed_ = true;
}

void Generator::prime() {
  take_restart_request();
  restart();
}

GeneratedStep Generator::step() {
  if (take_restart_request() || !primed_) restart();
  stepper_.step(&last_class_, &position_, 1, logits_.data());
  const int C = static_cast<int>(logits_.size());
  softmax_with_temperature(logits_.data(), C, temperature_.load(std::memory_order_relaxed), probs_.data());
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  GeneratedStep out;
  out.drum_class = sample_index(probs_.data(), C, u);
  out.probability = probs_[out.drum_class];
  out.pitches = decode_drum_class(config_, out.drum_class);
  last_class_ = out.drum_class;
  ++position_;
  ++produced_;
  out.position = position_;
  return out;
}

Generator::State Generator::make_state() const {
  State s;
  s.lstm.resize(model_->state_size());
  snapshot_into(s);
  return s;
}

void Generator::snapshot_into(State& out) const {
  if (out.lstm.size() != model_->state_size())
    throw std::invalid_argument("Generator::snapshot_into: State not sized by this generator's make_state()");
  stepper_.get_state(0, out.lstm.data());
  out.rng = rng_;
  out.position = position_;
  out.produced = produced_;
  out.last_class = last_class_;
  out.primed = primed_;
}

Generator::State Generator::snapshot() const { return make_state(); }

void Generator::restore(const State& state) {
  if (state.lstm.size() != model_->state_size())
    throw std::invalid_argument("Generator::restore: State not sized by this generator's make_state()");
  stepper_.set_state(0, state.lstm.data());
  rng_ = state.rng;
  position_ = state.position;
  produced_ = state.produced;
  last_class_ = state.last_class;
  primed_ = state.primed;
}

}  // namespace drumrnn
