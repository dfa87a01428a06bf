// The streaming Generator the live engine plays.
#include <catch2/catch.hpp>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <map>
#include <new>
#include <thread>

#include "ml/generator.h"
#include "ml/drum_rnn.h"

using namespace drumrnn;

// Counts heap allocations while armed, on any thread: proves step() is allocation-free.
static std::atomic<bool> g_armed{false};
static std::atomic<long> g_allocations{0};
void* operator new(size_t n) {
  if (g_armed.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

static DrumRnn& small_model() {
  static DrumRnn model({&drum_config("drum_kit"), {32, 32}});
  static bool init = (model.init_glorot(7), true);
  (void)init;
  return model;
}

TEST_CASE("Generator: the same seed gives the same steps", "[ml]") {
  Generator a(small_model(), 42), b(small_model(), 42), c(small_model(), 43);
  bool differs = false;
  for (int i = 0; i < 200; ++i) {
    const auto sa = a.step(), sb = b.step(), sc = c.step();
    REQUIRE(sa.drum_class == sb.drum_class);
    REQUIRE(sa.pitches == sb.pitches);
    differs |= sa.drum_class != sc.drum_class;
  }
  CHECK(differs);
}

TEST_CASE("Generator: step() never allocates, whatever the controls do", "[ml][rt]") {
  Generator g(small_model(), 1);
  g.step();  // construction-time work is allowed before arming
  const std::vector<PitchSet> primer = {{36, 42}, {}, {42}, {}, {38, 42}};
  g_allocations = 0;
  g_armed = true;
  for (int i = 0; i < 500; ++i) {
    if (i == 100) g.reset();
    if (i == 200) g.set_temperature(1.5f);
    g.step();
  }
  g_armed = false;
  CHECK(g_allocations.load() == 0);
  g.set_primer(primer);  // the control side may allocate nothing either, but is not real-time
  g_allocations = 0;
  g_armed = true;
  for (int i = 0; i < 50; ++i) g.step();
  g_armed = false;
  CHECK(g_allocations.load() == 0);
}

TEST_CASE("Generator: reset and a new primer take effect at the next step", "[ml]") {
  Generator g(small_model(), 9);
  std::vector<int> first;
  for (int i = 0; i < 20; ++i) first.push_back(g.step().drum_class);
  CHECK(g.steps_since_start() == 20);
  // After reset the state restarts from the primer; with a fresh generator of the same seed
  // consumed to the same point, the continuation must match a generator reset at the same time.
  Generator h(small_model(), 9);
  for (int i = 0; i < 20; ++i) h.step();
  g.reset();
  h.reset();
  for (int i = 0; i < 20; ++i) REQUIRE(g.step().drum_class == h.step().drum_class);
  CHECK(g.steps_since_start() == 20);

  // A primer set from another thread is picked up at the next step (steps_since_start restarts).
  std::thread control([&] { g.set_primer(std::vector<PitchSet>{{36}, {}, {42}, {}}); });
  control.join();
  g.step();
  CHECK(g.steps_since_start() == 1);
}

TEST_CASE("Generator: higher temperature gives higher entropy", "[ml]") {
  // Larger weights than Glorot's make peaked, trained-like output distributions.
  static DrumRnn peaked({&drum_config("drum_kit"), {32, 32}});
  peaked.init_glorot(7);
  for (float& w : peaked.params().data) w *= 4.0f;
  auto entropy = [](float temperature) {
    Generator g(peaked, 3);
    g.set_temperature(temperature);
    std::map<int, int> counts;
    constexpr int kSteps = 3000;
    for (int i = 0; i < kSteps; ++i) {
      if (i % 64 == 0) g.reset();  // keep the positions comparable across temperatures
      ++counts[g.step().drum_class];
    }
    double h = 0;
    for (const auto& [cls, n] : counts) {
      const double p = double(n) / kSteps;
      h -= p * std::log(p);
    }
    return h;
  };
  const double cold = entropy(0.3f), normal = entropy(1.0f), hot = entropy(3.0f);
  INFO("entropy at 0.3: " << cold << ", 1.0: " << normal << ", 3.0: " << hot);
  CHECK(cold < normal);
  CHECK(normal < hot);
}

TEST_CASE("half-float stepping stays within 1e-2 of the float32 BLAS reference", "[ml]") {
  DrumRnn model({&drum_config("drum_kit"), {48, 40}});
  model.init_glorot(5);
  DrumRnnStepper reference(model, 1, false), half(model, 1, true);
  std::vector<float> a(512), b(512);
  double worst = 0;
  for (int64_t pos = 0; pos < 64; ++pos) {
    const int cls = int((pos * 37) % 512);
    reference.step(&cls, &pos, 1, a.data());
    half.step(&cls, &pos, 1, b.data());
    for (int c = 0; c < 512; ++c) worst = std::max(worst, double(std::abs(a[c] - b[c])));
  }
  INFO("max |logit difference| " << worst);
  CHECK(worst < 1e-2);
  CHECK(worst > 0);  // the half path really ran
}
