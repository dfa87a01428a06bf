#include "realtime/transport.h"

#include <algorithm>
#include <cmath>

namespace drumrnn::rt {
namespace {

// An event at fractional frame x plays at the first whole frame at or after x, never early.
int64_t due_frame(double x) { return static_cast<int64_t>(std::ceil(x - 1e-9)); }

}  // namespace

Transport::Transport(double sample_rate, double bpm) : sample_rate_(sample_rate), bpm_(std::clamp(bpm, 20.0, 300.0)) {
  begin_cell(0, 0.0);
}

void Transport::set_bpm(double bpm) { bpm_ = std::clamp(bpm, 20.0, 300.0); }
void Transport::set_swing(double swing) { swing_ = std::clamp(swing, 0.0, 0.75); }

void Transport::begin_cell(int64_t step, double start_frame) {
  cell_ = step;
  cell_start_ = start_frame;
  cell_len_ = frames_per_step();
  next_tick_ = 0;
  step_fired_ = false;
  next_step_ = step;
}

double Transport::step_fire_frame() const {
  return cell_start_ + ((cell_ & 1) ? swing_ * cell_len_ : 0.0);
}

void Transport::play() {
  begin_cell(0, static_cast<double>(frame_));
  playing_ = true;
  start_pending_ = true;
}

void Transport::stop() {
  if (!playing_) return;
  playing_ = false;
  stop_pending_ = true;
}

void Transport::resume() {
  if (playing_) return;
  // The step that has not played yet starts a fresh cell now.
  begin_cell(step_fired_ ? cell_ + 1 : cell_, static_cast<double>(frame_));
  playing_ = true;
  resume_pending_ = true;
}

void Transport::locate(int64_t step) {
  begin_cell(std::max<int64_t>(step, 0), static_cast<double>(frame_));
}

bool Transport::pop_due(TransportEvent& out) {
  if (start_pending_ || resume_pending_) {
    out = {start_pending_ ? TransportEvent::start : TransportEvent::resume, cell_, 0};
    start_pending_ = resume_pending_ = false;
    return true;
  }
  if (stop_pending_) {
    stop_pending_ = false;
    out = {TransportEvent::stop, cell_, 0};
    return true;
  }
  if (!playing_) return false;
  if (next_tick_ >= kTicksPerStep && step_fired_ && due_frame(cell_end()) <= frame_)
    begin_cell(cell_ + 1, cell_end());
  if (next_tick_ < kTicksPerStep && due_frame(tick_frame(next_tick_)) <= frame_) {
    out = {TransportEvent::tick, cell_, next_tick_};
    ++next_tick_;
    return true;
  }
  if (!step_fired_ && due_frame(step_fire_frame()) <= frame_) {
    out = {TransportEvent::step, cell_, 0};
    step_fired_ = true;
    next_step_ = cell_ + 1;
    return true;
  }
  return false;
}

int Transport::frames_to_next_event(int max_frames) const {
  if (start_pending_ || resume_pending_ || stop_pending_) return 0;
  if (!playing_) return max_frames;
  int64_t next = due_frame(cell_end());
  if (next_tick_ < kTicksPerStep) next = std::min(next, due_frame(tick_frame(next_tick_)));
  if (!step_fired_) next = std::min(next, due_frame(step_fire_frame()));
  const int64_t n = next - frame_;
  return static_cast<int>(std::clamp<int64_t>(n, 0, max_frames));
}

void Transport::advance(int frames) { frame_ += frames; }

double Transport::song_position() const {
  if (cell_len_ <= 0) return static_cast<double>(cell_);
  const double into = (static_cast<double>(frame_) - cell_start_) / cell_len_;
  return static_cast<double>(cell_) + std::clamp(into, 0.0, 1.0);
}

}  // namespace drumrnn::rt
