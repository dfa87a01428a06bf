// The streaming Generator the live engine plays.
#include <catch2/catch.hpp>
#include <atomic>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "alloc_counter.h"
#include "ml/drum_rnn.h"
#include "ml/generator.h"
#include "ml/sampling.h"

using namespace drumrnn;

namespace {

std::shared_ptr<const DrumRnn> small_model() {
  static const std::shared_ptr<const DrumRnn> model = [] {
    auto m = std::make_shared<DrumRnn>(DrumRnnShape{&drum_config("drum_kit"), {32, 32}});
    m->init_glorot(7);
    return m;
  }();
  return model;
}

std::vector<int> classes(Generator& g, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(g.step().drum_class);
  return out;
}

// A groove that never repeats exactly: kick, snare and hats with a few ghost notes.
std::vector<PitchSet> long_primer(size_t n) {
  std::vector<PitchSet> events(n);
  for (size_t i = 0; i < n; ++i) {
    if (i % 4 == 0) events[i].insert(36);
    if (i % 8 == 4) events[i].insert(38);
    if (i % 2 == 0) events[i].insert(42);
    if ((i * 7) % 11 == 3) events[i].insert(46);
  }
  return events;
}

// What the generator documents it does (generator.h), written out on a DrumRnnStepper: feed the primer
// at positions first_position.., then sample with mt19937_64(seed) at temperature 1.
std::vector<int> reference_steps(const DrumRnn& model, std::span<const PitchSet> primer, int64_t first_position,
                                 uint64_t seed, int count) {
  const DrumConfig& config = *model.shape().config;
  const int C = config.num_classes;
  DrumRnnStepper stepper(model, 1, /*half_weights=*/true);
  std::vector<float> logits(C), probs(C);
  int64_t pos = first_position;
  for (size_t i = 0; i < primer.size(); ++i, ++pos) {
    const int cls = encode_drum_event(config, primer[i]);
    stepper.step(&cls, &pos, 1, logits.data());
  }
  --pos;  // the last primer event's
  std::mt19937_64 rng(seed);
  std::vector<int> out;
  for (int k = 0; k < count; ++k) {
    softmax_with_temperature(logits.data(), C, 1.0f, probs.data());
    const int cls = sample_index(probs.data(), C, std::uniform_real_distribution<double>(0.0, 1.0)(rng));
    out.push_back(cls);
    ++pos;
    stepper.step(&cls, &pos, 1, logits.data());
  }
  return out;
}

}  // namespace

TEST_CASE("Generator: the same seed gives the same steps", "[ml]") {
  Generator a(small_model(), 42), b(small_model(), 42), c(small_model(), 43);
  bool differs = false;
  for (int i = 0; i < 200; ++i) {
    const auto sa = a.step(), sb = b.step(), sc = c.step();
    REQUIRE(sa.drum_class == sb.drum_class);
    REQUIRE(sa.pitches == sb.pitches);
    REQUIRE(sa.position == i + 1);  // the default primer is one event, at position 0
    differs |= sa.drum_class != sc.drum_class;
  }
  CHECK(differs);
}

TEST_CASE("Generator: owns its model and refuses a null one", "[ml]") {
  std::weak_ptr<const DrumRnn> weak;
  std::unique_ptr<Generator> g;
  {
    auto model = std::make_shared<DrumRnn>(DrumRnnShape{&drum_config("drum_kit"), {16}});
    model->init_glorot(3);
    weak = model;
    g = std::make_unique<Generator>(model, 1);
  }
  CHECK_FALSE(weak.expired());  // the generator keeps the weights alive
  g->step();
  CHECK(&g->config() == &drum_config("drum_kit"));
  g.reset();
  CHECK(weak.expired());
  CHECK_THROWS_AS(Generator(nullptr, 1), std::invalid_argument);
}

TEST_CASE("allocation counter: sees operator new and malloc on the armed thread only", "[ml][rt]") {
  // The hooks must be able to fail, or the allocation-free checks prove nothing.
  alloc_counter::Armed armed;
  auto* v = new std::vector<int>(100);
  delete v;
#if DRUMRNN_TEST_HOOKS_MALLOC
  void* volatile p = std::malloc(64);
  std::free(p);
  CHECK(armed.count() >= 4);
#else
  CHECK(armed.count() >= 2);
#endif
  std::atomic<bool> go{false}, done{false};
  std::thread other([&] {
    while (!go.load()) std::this_thread::yield();
    std::vector<int> w(1000);
    done = true;
  });
  const long before = armed.count();
  go = true;
  while (!done.load()) std::this_thread::yield();
  CHECK(armed.count() == before);  // the other thread's vector is not counted here
  other.join();
}

TEST_CASE("Generator: step(), prime(), snapshots and every control allocate nothing", "[ml][rt]") {
  Generator g(small_model(), 1);
  const std::vector<PitchSet> primer = {{36, 42}, {}, {42}, {}, {38, 42}};
  const std::vector<PitchSet> long_one = long_primer(1100);
  Generator::State state = g.make_state();
  g.step();  // construction-time work is allowed before arming
  alloc_counter::Armed armed;
  for (int i = 0; i < 500; ++i) {
    if (i == 100) g.reset();
    if (i == 150) g.reset(77);
    if (i == 200) g.set_temperature(1.5f);
    if (i == 250) g.set_primer(primer);
    if (i == 300) g.snapshot_into(state);
    if (i == 320) g.restore(state);
    if (i == 350) g.set_primer(long_one);
    if (i == 351) g.prime();
    g.step();
  }
  CHECK(armed.count() == 0);
}

TEST_CASE("Generator: reset replays a fresh generator's steps, and reset(seed) is a new variation", "[ml]") {
  Generator g(small_model(), 9);
  const std::vector<int> first = classes(g, 40);
  // Without a reset the next 40 steps are new: so the check below could fail for a no-op reset.
  const std::vector<int> continued = classes(g, 40);
  CHECK(continued != first);
  CHECK(g.steps_since_start() == 80);
  g.reset();
  CHECK(classes(g, 40) == first);
  CHECK(g.steps_since_start() == 40);
  CHECK(g.position() == 40);

  g.reset(10);
  Generator fresh10(small_model(), 10);
  const std::vector<int> other_seed = classes(g, 40);
  CHECK(other_seed == classes(fresh10, 40));
  CHECK(other_seed != first);
  CHECK(g.seed() == 10);
}

TEST_CASE("Generator: a new primer changes what follows, from the next step", "[ml]") {
  const std::vector<PitchSet> primer = {{36, 42}, {}, {42}, {}, {38, 42}, {}, {42}, {36}};
  Generator g(small_model(), 9), primed_first(small_model(), 9);
  const std::vector<int> with_kick = classes(g, 40);
  primed_first.set_primer(primer);
  const std::vector<int> with_groove = classes(primed_first, 40);
  CHECK(with_groove != with_kick);

  // Set mid-stream from another thread: the next step continues the new primer, not the old stream.
  std::thread control([&] { g.set_primer(primer); });
  control.join();
  CHECK(classes(g, 40) == with_groove);
  CHECK(g.steps_since_start() == 40);
  CHECK(g.position() == int64_t(primer.size()) - 1 + 40);
}

TEST_CASE("Generator: a primer longer than the limit keeps its steps' bar positions", "[ml]") {
  const auto model = small_model();
  const std::vector<PitchSet> events = long_primer(1100);
  const size_t cut = events.size() - Generator::kMaxPrimerSteps;  // 76: not a multiple of 64
  const std::span<const PitchSet> kept(events.data() + cut, Generator::kMaxPrimerSteps);

  // The reference follows the documented sampling: check it on a primer that needs no trimming.
  const std::span<const PitchSet> short_primer(events.data(), 100);
  Generator plain(model, 5);
  plain.set_primer(short_primer);
  CHECK(classes(plain, 64) == reference_steps(*model, short_primer, 0, 5, 64));

  Generator g(model, 5);
  g.set_primer(events);
  g.prime();
  CHECK(g.position() == int64_t(events.size()) - 1);
  const std::vector<int> steps = classes(g, 64);
  CHECK(steps == reference_steps(*model, kept, int64_t(cut), 5, 64));
  // Restarting the counters at 0 would have given these (so the check above can fail):
  CHECK(steps != reference_steps(*model, kept, 0, 5, 64));
}

TEST_CASE("Generator: prime() feeds the primer now, and the steps match an unprimed generator's", "[ml]") {
  const std::vector<PitchSet> primer = long_primer(300);
  Generator lazy(small_model(), 21), eager(small_model(), 21);
  lazy.set_primer(primer);
  eager.set_primer(primer);
  CHECK(eager.position() == -1);
  eager.prime();
  CHECK(eager.position() == 299);
  CHECK(eager.steps_since_start() == 0);
  CHECK(classes(eager, 100) == classes(lazy, 100));
  // A reset after prime() still restarts at the next step.
  eager.reset();
  Generator fresh(small_model(), 21);
  fresh.set_primer(primer);
  CHECK(classes(eager, 50) == classes(fresh, 50));
}

TEST_CASE("Generator: restore() rewinds to a snapshot, and a new temperature changes only what follows", "[ml]") {
  Generator g(small_model(), 4);
  const std::vector<int> history = classes(g, 16);
  Generator::State state = g.make_state();
  g.snapshot_into(state);
  CHECK(state.position == 16);
  CHECK(state.produced == 16);
  const std::vector<int> ahead = classes(g, 8);

  g.restore(state);
  CHECK(g.position() == 16);
  CHECK(g.steps_since_start() == 16);
  CHECK(classes(g, 8) == ahead);

  g.restore(state);
  g.set_temperature(3.0f);
  const std::vector<int> hotter = classes(g, 8);
  CHECK(hotter != ahead);
  // The history is untouched: a fresh generator plays it and then, at temperature 1, the same lookahead.
  Generator fresh(small_model(), 4);
  CHECK(classes(fresh, 16) == history);
  CHECK(classes(fresh, 8) == ahead);

  // snapshot() is make_state() + snapshot_into(); a State sized for another model is refused.
  g.set_temperature(1.0f);
  g.restore(state);
  const Generator::State copy = g.snapshot();
  CHECK(copy.lstm == state.lstm);
  Generator::State wrong;
  CHECK_THROWS_AS(g.restore(wrong), std::invalid_argument);
  CHECK_THROWS_AS(g.snapshot_into(wrong), std::invalid_argument);
}

TEST_CASE("Generator: controls hammered from another thread while step() runs", "[ml][rt][threads]") {
  // Run under ThreadSanitizer (build-tsan) to check the lock-free handoffs.
  Generator g(small_model(), 11);
  const std::vector<PitchSet> a = {{36, 42}, {}, {42}, {}}, b = long_primer(40);
  std::atomic<bool> stop{false};
  std::atomic<long> controls{0};
  std::thread control([&] {
    for (long i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      g.set_temperature(0.5f + float(i % 5) * 0.5f);
      if (i % 3 == 0) g.set_primer(i % 2 ? std::span<const PitchSet>(a) : std::span<const PitchSet>(b));
      if (i % 7 == 0) g.reset();
      if (i % 11 == 0) g.reset(uint64_t(i));
      (void)g.temperature();
      controls.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::yield();
    }
  });
  long allocations = 0;
  bool valid = true;
  {
    alloc_counter::Armed armed;  // this thread only: the control thread's work is not counted
    // Keep stepping until the control thread has really run concurrently for a while.
    for (int i = 0; i < 3000 || controls.load() < 200; ++i) {
      const GeneratedStep s = g.step();
      valid &= s.drum_class >= 0 && s.drum_class < 512 && s.probability > 0.0f && s.probability <= 1.0f &&
               s.position == g.position();
    }
    allocations = armed.count();
  }
  stop = true;
  control.join();
  CHECK(valid);
  CHECK(allocations == 0);
}

TEST_CASE("Generator: higher temperature gives higher entropy", "[ml]") {
  // Larger weights than Glorot's make peaked, trained-like output distributions.
  static const auto peaked = [] {
    auto m = std::make_shared<DrumRnn>(DrumRnnShape{&drum_config("drum_kit"), {32, 32}});
    m->init_glorot(7);
    for (float& w : m->params().data) w *= 4.0f;
    return std::shared_ptr<const DrumRnn>(m);
  }();
  auto entropy = [](float temperature) {
    Generator g(peaked, 3);
    g.set_temperature(temperature);
    std::map<int, int> counts;
    constexpr int kSteps = 3000;
    for (int i = 0; i < kSteps; ++i) {
      if (i % 64 == 0) g.reset(uint64_t(i));  // comparable positions, a new variation each time
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

TEST_CASE("DrumRnnStepper: refuses more streams than it was sized for, and bad classes", "[ml]") {
  DrumRnn model({&drum_config("drum_kit"), {16}});
  model.init_glorot(1);
  DrumRnnStepper stepper(model, 2);
  const int cls[3] = {0, 1, 2};
  const int64_t pos[3] = {0, 0, 0};
  std::vector<float> logits(3 * 512);
  CHECK_NOTHROW(stepper.step(cls, pos, 2, logits.data()));
  CHECK_THROWS_AS(stepper.step(cls, pos, 3, logits.data()), std::invalid_argument);
  const int bad[1] = {512};
  CHECK_THROWS_AS(stepper.step(bad, pos, 1, logits.data()), std::invalid_argument);
  std::vector<float> state(model.state_size());
  CHECK_THROWS_AS(stepper.get_state(2, state.data()), std::invalid_argument);
  CHECK_THROWS_AS(stepper.copy_state(0, 5), std::invalid_argument);
  CHECK(stepper.max_streams() == 2);
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

static void check_attention_generator(bool wraps_stack) {
  auto m = std::make_shared<DrumRnn>(DrumRnnShape{&drum_config("drum_kit"), {32, 24}, 8, wraps_stack});
  m->init_glorot(3);
  Generator g(m, 5);
  Generator::State state = g.make_state();
  g.step();
  std::vector<int> ahead, again;
  ahead.reserve(20);
  again.reserve(20);
  {
    alloc_counter::Armed armed;
    for (int i = 0; i < 40; ++i) g.step();  // the 8-slot window wraps several times
    g.snapshot_into(state);
    for (int i = 0; i < 20; ++i) ahead.push_back(g.step().drum_class);
    g.restore(state);
    for (int i = 0; i < 20; ++i) again.push_back(g.step().drum_class);
    g.reset();
    g.step();
    CHECK(armed.count() == 0);
  }
  CHECK(ahead == again);
  Generator fresh(m, 5);
  CHECK(reference_steps(*m, std::vector<PitchSet>{{36}}, 0, 5, 30) == classes(fresh, 30));
}

TEST_CASE("Generator with attention: steps, snapshots and restores allocate nothing and replay exactly", "[ml][rt][attention]") {
  check_attention_generator(false);
}

// Magenta's old layout (the published drum_kit_rnn.mag's): the wrapper around the whole stack.
TEST_CASE("Generator with attention around the stack: steps, snapshots and restores allocate nothing and replay exactly",
          "[ml][rt][attention]") {
  check_attention_generator(true);
}
