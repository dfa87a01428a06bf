#include "ml/generator.h"

#include <algorithm>

#include "ml/sampling.h"

namespace drumrnn {

Generator::Generator(const DrumRnn& model, uint64_t seed)
    : model_(model), config_(*model.shape().config), stepper_(model, 1, /*half_weights=*/true), rng_(seed),
      logits_(model.shape().num_classes()), probs_(model.shape().num_classes()) {
  // Magenta's default primer: one kick.
  slots_[front_].classes[0] = encode_drum_event(config_, PitchSet{36});
  slots_[front_].length = 1;
}

void Generator::set_primer(std::span<const PitchSet> events) {
  PrimerSlot& slot = slots_[back_];
  const size_t skip = events.size() > kMaxPrimerSteps ? events.size() - kMaxPrimerSteps : 0;
  slot.length = events.size() - skip;
  for (size_t i = 0; i < slot.length; ++i) slot.classes[i] = encode_drum_event(config_, events[skip + i]);
  back_ = middle_.exchange(back_ | 4u, std::memory_order_acq_rel) & 3u;
}

void Generator::restart() {
  stepper_.reset();
  const PrimerSlot& primer = slots_[front_];
  // An empty primer is one silent step, so the model always has an event to continue.
  const size_t length = std::max<size_t>(primer.length, 1);
  for (size_t i = 0; i < length; ++i) {
    const int cls = primer.length ? primer.classes[i] : 0;
    const int64_t pos = static_cast<int64_t>(i);
    stepper_.step(&cls, &pos, 1, logits_.data());
  }
  position_ = static_cast<int64_t>(length) - 1;
  produced_ = 0;
  primed_ = true;
}

GeneratedStep Generator::step() {
  // Always consume a pending reset (the first step's restart covers it too).
  const bool reset_pending = reset_requested_.exchange(false, std::memory_order_acq_rel);
  bool restart_now = !primed_ || reset_pending;
  if (middle_.load(std::memory_order_acquire) & 4u) {
    front_ = middle_.exchange(front_, std::memory_order_acq_rel) & 3u;
    restart_now = true;
  }
  if (restart_now) {
    restart();
  } else {
    stepper_.step(&last_class_, &position_, 1, logits_.data());
  }
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
  return out;
}

}  // namespace drumrnn
