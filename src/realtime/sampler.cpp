#include "realtime/sampler.h"

#include <algorithm>
#include <cmath>

namespace drumrnn::rt {
namespace {

constexpr int kClosedHat = 2, kOpenHat = 3;
constexpr float kFadeSeconds = 0.002f;   // cut voices: short enough to feel instant, long enough not to click
constexpr float kGlideSeconds = 0.010f;  // level and mute changes

// Hydrogen's rule: the first layer whose range holds the velocity; in a gap, the nearest layer.
const KitLayer* pick_layer(const KitVoice& voice, float velocity) {
  const KitLayer* best = nullptr;
  float best_distance = 1e9f;
  for (const KitLayer& layer : voice.layers) {
    if (layer.left.empty()) continue;
    if (velocity >= layer.min_velocity && velocity <= layer.max_velocity) return &layer;
    const float d = velocity < layer.min_velocity ? layer.min_velocity - velocity : velocity - layer.max_velocity;
    if (d < best_distance) best_distance = d, best = &layer;
  }
  return best;
}

}  // namespace

Sampler::Sampler(int max_voices) {
  max_voices = std::max(max_voices, 1);
  voices_.resize(max_voices);
  tails_.resize(max_voices);
  level_.fill(1.0f);
  gain_now_.fill(1.0f);
  gain_next_.fill(1.0f);
  muted_.fill(false);
}

float Sampler::velocity_gain(float velocity) {
  const float v = std::clamp(velocity, 0.0f, 1.0f);
  return v * (0.5f + 0.5f * v);
}

DRUMRNN_RT void Sampler::set_kit(const Kit* kit) {
  if (kit == kit_) return;
  for (Voice& v : voices_)
    if (v.active) cut(v);
  kit_ = kit;
  ++kit_epoch_;
  if (kit) {
    const int rate = std::max(kit->sample_rate, 1000);
    fade_frames_ = std::max<uint32_t>(16, static_cast<uint32_t>(kFadeSeconds * rate));
    ramp_frames_ = kGlideSeconds * rate;
  }
}

DRUMRNN_RT void Sampler::cut(Voice& v) {
  // Into a free tail slot, else over the tail closest to silence.
  Voice* slot = &tails_[0];
  for (Voice& t : tails_) {
    if (!t.active) {
      slot = &t;
      break;
    }
    if (t.fade_left < slot->fade_left) slot = &t;
  }
  *slot = v;
  slot->fade_left = std::min<uint32_t>(fade_frames_, v.length - v.position);
  slot->active = slot->fade_left > 0;
  v.active = false;
}

DRUMRNN_RT void Sampler::trigger(int drum_class, float velocity) {
  if (!kit_ || drum_class < 0 || drum_class >= kDrumClasses || !(velocity > 0.0f)) return;
  velocity = std::min(velocity, 1.0f);
  const KitVoice& kv = kit_->voices[drum_class];
  const KitLayer* layer = pick_layer(kv, velocity);
  if (!layer) return;

  for (Voice& v : voices_) {
    if (!v.active) continue;
    if ((retrigger_cut_ && v.drum_class == drum_class) || (kv.choke_open_hat && v.drum_class == kOpenHat)) cut(v);
  }
  Voice* slot = nullptr;
  for (Voice& v : voices_)
    if (!v.active) {
      slot = &v;
      break;
    }
  if (!slot) {  // all busy: steal the oldest
    slot = &voices_[0];
    for (Voice& v : voices_)
      if (v.serial < slot->serial) slot = &v;
    cut(*slot);
  }
  Voice& v = *slot;
  v.left = layer->left.data();
  v.right = layer->right.size() == layer->left.size() ? layer->right.data() : layer->left.data();
  v.length = static_cast<uint32_t>(layer->left.size());
  v.position = 0;
  v.gain = kv.gain * layer->gain * velocity_gain(velocity);
  v.drum_class = drum_class;
  v.serial = next_serial_++;
  v.fade_left = 0;
  v.kit_epoch = kit_epoch_;
  v.active = true;
}

DRUMRNN_RT void Sampler::render_voice(Voice& v, bool tail, float* left, float* right, int frames) {
  uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(frames), v.length - v.position);
  if (tail) n = std::min(n, v.fade_left);
  const float g0 = gain_now_[v.drum_class] * v.gain;
  const float dg = (gain_next_[v.drum_class] * v.gain - g0) / static_cast<float>(frames);
  const float* l = v.left + v.position;
  const float* r = v.right + v.position;
  if (!tail) {
    for (uint32_t i = 0; i < n; ++i) {
      const float g = g0 + dg * static_cast<float>(i);
      left[i] += l[i] * g;
      right[i] += r[i] * g;
    }
  } else {
    const float inv = 1.0f / static_cast<float>(fade_frames_);
    for (uint32_t i = 0; i < n; ++i) {
      const float g = (g0 + dg * static_cast<float>(i)) * static_cast<float>(v.fade_left - i) * inv;
      left[i] += l[i] * g;
      right[i] += r[i] * g;
    }
    v.fade_left -= n;
  }
  v.position += n;
  if (v.position >= v.length || (tail && v.fade_left == 0)) v.active = false;
}

DRUMRNN_RT void Sampler::render(float* left, float* right, int frames) {
  if (frames <= 0) return;
  const float step = std::min(1.0f, static_cast<float>(frames) / ramp_frames_);
  for (int c = 0; c < kDrumClasses; ++c) {
    const float target = muted_[c] ? 0.0f : level_[c];
    gain_next_[c] = gain_now_[c] + (target - gain_now_[c]) * step;
    if (std::fabs(gain_next_[c] - target) < 1e-5f) gain_next_[c] = target;
  }
  for (Voice& v : voices_)
    if (v.active) render_voice(v, false, left, right, frames);
  for (Voice& t : tails_) {
    if (!t.active) continue;
    // The old kit may be freed after this call: its tails finish here, however short the block.
    if (t.kit_epoch != kit_epoch_ && t.fade_left > static_cast<uint32_t>(frames)) {
      const uint32_t keep = static_cast<uint32_t>(frames);
      // Rescale so the shortened fade still starts from the tail's current level.
      t.gain *= static_cast<float>(t.fade_left) / static_cast<float>(keep);
      t.fade_left = keep;
    }
    render_voice(t, true, left, right, frames);
    if (t.kit_epoch != kit_epoch_) t.active = false;
  }
  gain_now_ = gain_next_;
}

DRUMRNN_RT void Sampler::set_level(int drum_class, float gain) {
  if (drum_class < 0 || drum_class >= kDrumClasses || !std::isfinite(gain)) return;
  level_[drum_class] = std::clamp(gain, 0.0f, 4.0f);
  settle_if_silent(drum_class);
}

DRUMRNN_RT void Sampler::set_mute(int drum_class, bool muted) {
  if (drum_class < 0 || drum_class >= kDrumClasses) return;
  muted_[drum_class] = muted;
  settle_if_silent(drum_class);
}

// A class with nothing sounding takes its new gain at once: the glide only matters to a voice that
// plays through the change, and a hit right after a mute must already be silent.
DRUMRNN_RT void Sampler::settle_if_silent(int drum_class) {
  for (const Voice& v : voices_)
    if (v.active && v.drum_class == drum_class) return;
  for (const Voice& v : tails_)
    if (v.active && v.drum_class == drum_class) return;
  gain_now_[drum_class] = muted_[drum_class] ? 0.0f : level_[drum_class];
}

DRUMRNN_RT int Sampler::active_voices() const {
  int n = 0;
  for (const Voice& v : voices_) n += v.active;
  return n;
}

DRUMRNN_RT void Sampler::all_notes_off() {
  for (Voice& v : voices_)
    if (v.active) cut(v);
}

}  // namespace drumrnn::rt
