#include "ml/beam_search.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "ml/sampling.h"

namespace drumrnn {
namespace {

struct Entry {
  std::vector<int> classes;
  std::vector<float> state;
  double score = 0;
};

// One sampled step for every entry, batched through the stepper.
void extend(DrumRnnStepper& stepper, std::vector<Entry>& entries, const BeamOptions& o, std::mt19937_64& rng) {
  const int n = static_cast<int>(entries.size());
  const int C = stepper.model().shape().num_classes();
  std::vector<int> classes(n);
  std::vector<int64_t> positions(n);
  for (int k = 0; k < n; ++k) {
    stepper.set_state(k, entries[k].state.data());
    classes[k] = entries[k].classes.back();
    positions[k] = static_cast<int64_t>(entries[k].classes.size()) - 1;
  }
  std::vector<float> logits(size_t(n) * C), probs(C);
  stepper.step(classes.data(), positions.data(), n, logits.data());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int k = 0; k < n; ++k) {
    softmax_with_temperature(logits.data() + size_t(k) * C, C, o.temperature, probs.data());
    const int chosen = sample_index(probs.data(), C, uniform(rng));
    entries[k].score += std::log(std::max(probs[chosen], 1e-30f));
    entries[k].classes.push_back(chosen);
    stepper.get_state(k, entries[k].state.data());
  }
}

void branch(std::vector<Entry>& entries, int branch_factor) {
  if (branch_factor <= 1) return;
  std::vector<Entry> out;
  for (const auto& e : entries)
    for (int b = 0; b < branch_factor; ++b) out.push_back(e);
  entries = std::move(out);
}

// heapq.nlargest: highest scores first, ties in original order.
void prune(std::vector<Entry>& entries, int k) {
  std::vector<size_t> order(entries.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return entries[a].score > entries[b].score; });
  std::vector<Entry> out;
  for (size_t i = 0; i < order.size() && int(out.size()) < k; ++i) out.push_back(std::move(entries[order[i]]));
  entries = std::move(out);
}

}  // namespace

GeneratedSequence generate_classes(const DrumRnn& model, const std::vector<int>& primer, int64_t total_length,
                                   const BeamOptions& o, std::mt19937_64& rng) {
  if (primer.empty()) throw std::invalid_argument("the primer is empty");
  if (o.beam_size < 1 || o.branch_factor < 1 || o.steps_per_iteration < 1)
    throw std::invalid_argument("--beam_size, --branch_factor and --steps_per_iteration must be at least 1");
  const int64_t num_steps = total_length - static_cast<int64_t>(primer.size());
  if (num_steps <= 0) throw std::invalid_argument("nothing to generate: the primer already fills --num_steps");

  const int max_entries = o.beam_size * o.branch_factor;
  DrumRnnStepper stepper(model, max_entries);
  const int C = model.shape().num_classes();
  // Feed the primer once (every beam starts from the same state) and score its events 1..L-1.
  std::vector<float> logits(C), probs(C);
  double primer_score = 0;
  for (size_t i = 0; i < primer.size(); ++i) {
    if (i > 0) {
      softmax_with_temperature(logits.data(), C, o.temperature, probs.data());
      primer_score += std::log(std::max(probs[primer[i]], 1e-30f));
    }
    const int64_t pos = static_cast<int64_t>(i);
    stepper.step(&primer[i], &pos, 1, logits.data());
  }
  std::vector<float> state(model.state_size());
  stepper.get_state(0, state.data());

  // The first sampled step comes from the primer's last output, already computed above.
  // One by one, not vector(n, value): GCC 12 sees a bogus overread in the latter (-Wstringop-overread).
  std::vector<Entry> entries;
  entries.reserve(o.beam_size);
  for (int b = 0; b < o.beam_size; ++b) entries.push_back(Entry{primer, state, primer_score});
  const int64_t first_iteration = (num_steps - 1) % o.steps_per_iteration + 1;
  branch(entries, o.branch_factor);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (auto& e : entries) {
    softmax_with_temperature(logits.data(), C, o.temperature, probs.data());
    const int chosen = sample_index(probs.data(), C, uniform(rng));
    e.score += std::log(std::max(probs[chosen], 1e-30f));
    e.classes.push_back(chosen);
  }
  for (int64_t s = 1; s < first_iteration; ++s) extend(stepper, entries, o, rng);
  const int64_t iterations = (num_steps - first_iteration) / o.steps_per_iteration;
  for (int64_t it = 0; it < iterations; ++it) {
    prune(entries, o.beam_size);
    branch(entries, o.branch_factor);
    for (int s = 0; s < o.steps_per_iteration; ++s) extend(stepper, entries, o, rng);
  }
  prune(entries, 1);
  return {std::move(entries[0].classes), entries[0].score};
}

}  // namespace drumrnn
