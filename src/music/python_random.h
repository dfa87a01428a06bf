// Python's `random` module generator (MT19937, seeded as random.seed(int) does), so that
// `--seed N` gives the same train/eval partition as Magenta's RandomPartition after random.seed(N).
#pragma once
#include <array>
#include <cstdint>

namespace drumrnn {

class PythonRandom {
 public:
  explicit PythonRandom(uint64_t seed);
  double random();  // random.random(): 53-bit float in [0, 1)
  uint32_t next_u32();

 private:
  std::array<uint32_t, 624> mt_{};
  int index_ = 624;
};

}  // namespace drumrnn
