// Publishes a small trivially copyable struct from the audio thread to readers (the panel, the status
// line) without locks: the writer never waits, a reader retries if it raced a write. The payload is
// kept in atomic words so that ThreadSanitizer sees no data race.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace drumrnn::rt {

template <class T>
class SeqLock {
  static_assert(std::is_trivially_copyable_v<T>);
  static constexpr size_t kWords = (sizeof(T) + 7) / 8;

 public:
  void store(const T& value) {  // one writer
    uint64_t words[kWords] = {};
    std::memcpy(words, &value, sizeof(T));
    const uint32_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    for (size_t i = 0; i < kWords; ++i) data_[i].store(words[i], std::memory_order_relaxed);
    seq_.store(s + 2, std::memory_order_release);
  }
  T load() const {  // any number of readers
    uint64_t words[kWords];
    while (true) {
      const uint32_t s1 = seq_.load(std::memory_order_acquire);
      if (s1 & 1) continue;
      for (size_t i = 0; i < kWords; ++i) words[i] = data_[i].load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) == s1) break;
    }
    T value;
    std::memcpy(&value, words, sizeof(T));
    return value;
  }

 private:
  std::atomic<uint32_t> seq_{0};
  std::array<std::atomic<uint64_t>, kWords> data_{};
};

}  // namespace drumrnn::rt
