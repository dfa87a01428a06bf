#include "realtime/engine.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "music/drum_encoding.h"

namespace drumrnn::rt {
namespace {

// Sub-blocks are split at every step and tick; this bounds them otherwise (meters, crossfades).
constexpr int kMaxSubBlock = 256;

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no system call, no lock
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

Engine::Engine(const EngineConfig& config, std::shared_ptr<const Kit> kit, GenerationService& generation)
    : config_(config),
      generation_(generation),
      transport_(config.sample_rate, config.bpm),
      limiter_(static_cast<int>(config.sample_rate)),
      temperature_(generation.temperature()),
      master_level_(config.master_level) {
  transport_.set_swing(config.swing);
  level_.fill(1.0f);
  muted_.fill(false);
  kit_ = kit.get();
  kits_.push_back(std::move(kit));
  sampler_.set_kit(kit_);
  published_.bpm = config.bpm;
  snapshot_.store(published_);
}

Engine::~Engine() = default;

void Engine::add_midi_output(const MidiOutputConfig& output) {
  if (output_count_ < static_cast<int>(outputs_.size())) outputs_[output_count_++] = output;
}

bool Engine::pad(int pitch, float velocity) {
  const int c = drum_kit_class_of_pitch(pitch);
  if (c < 0) return false;
  return pads_.try_enqueue({static_cast<int8_t>(c), velocity});
}

void Engine::set_kit(std::shared_ptr<const Kit> kit) {
  const Kit* raw = kit.get();
  {
    std::lock_guard lock(owners_mutex_);
    kits_.push_back(std::move(kit));
  }
  kit_in_.try_enqueue(raw);
}

void Engine::set_loop(std::shared_ptr<const LoopBuffer> loop) {
  const LoopBuffer* raw = loop.get();
  {
    std::lock_guard lock(owners_mutex_);
    loops_.push_back(std::move(loop));
  }
  loop_in_.try_enqueue(raw);
}

std::shared_ptr<const Kit> Engine::kit() const {
  std::lock_guard lock(owners_mutex_);
  return kits_.empty() ? nullptr : kits_.back();
}

void Engine::collect_garbage() {
  std::lock_guard lock(owners_mutex_);
  const Kit* k;
  while (kit_out_.try_dequeue(k))
    kits_.erase(std::remove_if(kits_.begin(), kits_.end(), [&](const auto& p) { return p.get() == k; }), kits_.end());
  const LoopBuffer* l;
  while (loop_out_.try_dequeue(l))
    loops_.erase(std::remove_if(loops_.begin(), loops_.end(), [&](const auto& p) { return p.get() == l; }),
                 loops_.end());
}

// --- the audio thread -----------------------------------------------------------------------------

void Engine::process(float* left, float* right, int frames) {
  const int64_t t0 = now_ns();
  frames = std::min(frames, config_.max_block);
  drain_controls();
  take_handoffs();
  block_frame_ = transport_.frame();
  int done = 0;
  while (done < frames) {
    TransportEvent e;
    while (transport_.pop_due(e)) handle(e);
    int n = transport_.frames_to_next_event(std::min(frames - done, kMaxSubBlock));
    if (n <= 0) n = 1;
    render_voices(left + done, right + done, n);
    mix_loop_slot(left + done, right + done, n);
    transport_.advance(n);
    done += n;
  }
  limit_master(left, right, frames);
  publish_meters(left, right, frames);
  const double period_ns = frames / config_.sample_rate * 1e9;
  load_.add(double(now_ns() - t0) / period_ns);
}

void Engine::drain_controls() {
  Control c;
  while (ui_controls_.try_dequeue(c)) apply(c);
  while (midi_controls_.try_dequeue(c)) apply(c);
  PadHit p;
  while (pads_.try_dequeue(p)) {
    sampler_.trigger(p.drum_class, std::clamp(p.velocity, 0.0f, 1.0f));
    if (transport_.playing())
      generation_.push_pad(static_cast<int64_t>(std::llround(transport_.song_position())), 1 << p.drum_class);
  }
}

void Engine::apply(const Control& c) {
  const bool in_range = c.index >= 0 && c.index < kDrumClasses;
  switch (c.target) {
    case ControlTarget::play: transport_.play(); break;
    case ControlTarget::stop: transport_.stop(); break;
    case ControlTarget::continue_play: transport_.resume(); break;
    case ControlTarget::toggle_play: transport_.playing() ? transport_.stop() : transport_.resume(); break;
    case ControlTarget::bpm: transport_.set_bpm(c.value); break;
    case ControlTarget::swing: transport_.set_swing(c.value); break;
    case ControlTarget::temperature:
      temperature_ = std::clamp(c.value, 0.05f, 4.0f);
      generation_.set_temperature(temperature_);
      break;
    case ControlTarget::master_level: master_level_ = std::clamp(c.value, 0.0f, 2.0f); break;
    case ControlTarget::loop_crossfade: loop_slot_.set_target(c.value); break;
    case ControlTarget::drum_level:
      if (in_range) sampler_.set_level(c.index, level_[c.index] = std::clamp(c.value, 0.0f, 2.0f));
      break;
    case ControlTarget::drum_mute:
      if (in_range) sampler_.set_mute(c.index, muted_[c.index] = c.value >= 0.5f);
      break;
    case ControlTarget::mode:
      generation_.set_mode(GenerationMode(std::clamp(static_cast<int>(c.value), 0, 3)));
      break;
    case ControlTarget::mode_bars: generation_.set_mode_bars(static_cast<int>(c.value)); break;
    case ControlTarget::reseed: generation_.reseed(static_cast<uint64_t>(std::max(0.0f, c.value))); break;
    case ControlTarget::regenerate: generation_.regenerate(); break;
  }
}

void Engine::take_handoffs() {
  const Kit* k;
  while (kit_in_.try_dequeue(k)) {
    sampler_.set_kit(k);
    if (kit_) kit_out_.try_enqueue(kit_);
    kit_ = k;
  }
  const LoopBuffer* l;
  while (loop_in_.try_dequeue(l)) {
    if (pending_loop_) loop_out_.try_enqueue(pending_loop_);
    pending_loop_ = l;
  }
}

void Engine::send_all(uint8_t status, bool clock_only) {
  const MidiEvent e{transport_.frame(), 1, {status, 0, 0}};
  for (int i = 0; i < output_count_; ++i)
    if (!clock_only || outputs_[i].clock) outputs_[i].sink->send(e);
}

void Engine::notes_off() {
  for (int i = 0; i < output_count_; ++i) {
    auto& o = outputs_[i];
    for (int c = 0; c < kDrumClasses; ++c) {
      if (!sounding_[i][c]) continue;
      o.sink->send({transport_.frame(), 3, {uint8_t(kMidiNoteOff | o.channel), o.notes[c], 0}});
      sounding_[i][c] = false;
    }
  }
}

void Engine::handle(const TransportEvent& e) {
  switch (e.kind) {
    case TransportEvent::start:
      send_all(kMidiStart, true);
      generation_.on_play_from_start();
      break;
    case TransportEvent::resume: {
      // Song Position Pointer (in 16ths, which are our steps), then Continue.
      const int spp = static_cast<int>(std::min<int64_t>(e.step_index, 16383));
      const MidiEvent pos{transport_.frame(), 3, {kMidiSongPosition, uint8_t(spp & 0x7F), uint8_t(spp >> 7)}};
      for (int i = 0; i < output_count_; ++i)
        if (outputs_[i].clock) outputs_[i].sink->send(pos);
      send_all(kMidiContinue, true);
      generation_.on_next_step(e.step_index);
      break;
    }
    case TransportEvent::stop:
      notes_off();
      send_all(kMidiStop, true);
      break;
    case TransportEvent::tick:
      send_all(kMidiClock, true);
      ++ticks_sent_;
      break;
    case TransportEvent::step: play_step(e.step_index); break;
  }
}

float Engine::velocity_for(int64_t step, int drum_class) const {
  // The drum_kit encoding has no velocity: accent the beat, soften the off-16ths and the hats, as a
  // drummer would.
  float v = (step % 4 == 0) ? 1.0f : (step % 2 == 0 ? 0.82f : 0.68f);
  if (drum_class == 2) v *= 0.85f;
  return v;
}

void Engine::play_step(int64_t step) {
  if (step % kStepsPerBar == 0) {
    if (pending_loop_) {
      if (const LoopBuffer* old = loop_slot_.get()) loop_out_.try_enqueue(old);
      loop_slot_.set(pending_loop_);
      pending_loop_ = nullptr;
    }
    loop_slot_.on_bar_line();
  }
  notes_off();
  PlayedStep s;
  const bool ready = generation_.ring().read(step, s);
  generation_.on_next_step(step + 1);
  const int slot = static_cast<int>(step % kStepWindow);
  published_.recent_step[slot] = step;
  published_.recent_class[slot] = static_cast<int16_t>(ready ? s.drum_class : -1);
  published_.recent_from_primer[slot] = ready && s.from_primer;
  ++steps_played_;
  if (!ready) {
    ++late_steps_;
    return;
  }
  for (int c = 0; c < kDrumClasses; ++c) {
    if (!((s.drum_class >> c) & 1) || muted_[c]) continue;
    const float v = velocity_for(step, c);
    sampler_.trigger(c, v);
    ++notes_played_;
    for (int i = 0; i < output_count_; ++i) {
      auto& o = outputs_[i];
      if (!o.notes_on) continue;
      const uint8_t vel = static_cast<uint8_t>(std::clamp(std::lround(v * 112.0f), 1L, 127L));
      o.sink->send({transport_.frame(), 3, {uint8_t(kMidiNoteOn | o.channel), o.notes[c], vel}});
      sounding_[i][c] = true;
    }
  }
}

void Engine::render_voices(float* left, float* right, int frames) {
  std::fill(left, left + frames, 0.0f);
  std::fill(right, right + frames, 0.0f);
  sampler_.render(left, right, frames);
}

void Engine::mix_loop_slot(float* left, float* right, int frames) {
  loop_slot_.mix(left, right, frames, transport_.song_position(), 1.0 / transport_.frames_per_step(),
                 transport_.playing());
}

void Engine::limit_master(float* left, float* right, int frames) {
  for (int i = 0; i < frames; ++i) {
    left[i] *= master_level_;
    right[i] *= master_level_;
  }
  limiter_.process(left, right, frames);
}

void Engine::publish_meters(const float* left, const float* right, int frames) {
  float pl = 0, pr = 0;
  for (int i = 0; i < frames; ++i) {
    pl = std::max(pl, std::fabs(left[i]));
    pr = std::max(pr, std::fabs(right[i]));
  }
  // Peak meters fall back by about 20 dB per second.
  const float fall = std::pow(0.1f, float(frames / config_.sample_rate));
  peak_l_ = std::max(pl, peak_l_ * fall);
  peak_r_ = std::max(pr, peak_r_ * fall);
  EngineSnapshot& s = published_;
  s.frame = transport_.frame();
  s.next_step = transport_.next_step();
  s.song_position = transport_.song_position();
  s.bpm = transport_.bpm();
  s.swing = transport_.swing();
  s.temperature = temperature_;
  s.master_level = master_level_;
  s.crossfade = loop_slot_.amount();
  s.crossfade_target = loop_slot_.target();
  s.peak_left = peak_l_;
  s.peak_right = peak_r_;
  s.gain_reduction_db = limiter_.gain_reduction_db();
  s.playing = transport_.playing();
  s.mode = uint8_t(generation_.mode());
  s.mode_bars = uint8_t(generation_.mode_bars());
  s.active_voices = sampler_.active_voices();
  s.late_steps = late_steps_;
  s.steps_played = steps_played_;
  s.notes_played = notes_played_;
  s.clock_ticks_sent = ticks_sent_;
  s.level = level_;
  for (int c = 0; c < kDrumClasses; ++c) s.muted[c] = muted_[c];
  snapshot_.store(s);
  scope_.write(left, frames);
}

}  // namespace drumrnn::rt
