// Keeps the engine running in real time with no audio device: when the JACK server dies the engine
// goes on here (transport, generation, MIDI state) until a server is back, so a performance survives.
#pragma once
#include <atomic>
#include <thread>
#include <vector>

#include "realtime/engine.h"

namespace drumrnn::rt {

class FallbackClock {
 public:
  FallbackClock(Engine& engine, int period_frames);
  ~FallbackClock();  // stops
  void stop();

 private:
  void run();
  Engine& engine_;
  int period_;
  std::vector<float> left_, right_;
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

}  // namespace drumrnn::rt
