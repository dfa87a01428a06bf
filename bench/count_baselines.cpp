// Count-model baselines for the drum RNN's model card: negative log-likelihood (nats per step) and
// accuracy of (a) class frequencies, (b) frequencies per position in the bar (16ths, read from the
// input counters), (c) a bigram on the previous step's class, and (d) position + previous class.
// All with add-0.5 smoothing over the 512 classes, counted on the training file.
// Usage: count_baselines TRAIN.tfrecord EVAL.tfrecord [EVAL2.tfrecord ...]
#include <cmath>
#include <cstdio>
#include <vector>

#include "ml/sequence_dataset.h"
#include "music/drum_encoding.h"

namespace {

using namespace drumrnn;

// (previous class, position in bar) of every step, from the sparse input row.
struct StepContext {
  int prev_class, bar_position;
};

StepContext context_of(const SequenceDataset& d, size_t step) {
  StepContext c{0, 0};
  for (int k = d.steps.row_start[step]; k < d.steps.row_start[step + 1]; ++k) {
    const int i = d.steps.index[k];
    if (i < 512) c.prev_class = i;
    else if (i < 516 && d.steps.value[k] > 0) c.bar_position |= 1 << (i - 512);  // counter bits 0..3
  }
  return c;
}

struct Model {
  int contexts;
  std::vector<double> counts;  // [contexts][512]
  std::vector<double> totals;
  explicit Model(int n) : contexts(n), counts(size_t(n) * 512, 0.5), totals(n, 0.5 * 512) {}
  void add(int ctx, int label) { counts[size_t(ctx) * 512 + label] += 1, totals[ctx] += 1; }
  double logp(int ctx, int label) const { return std::log(counts[size_t(ctx) * 512 + label] / totals[ctx]); }
  int argmax(int ctx) const {
    int best = 0;
    for (int c = 1; c < 512; ++c)
      if (counts[size_t(ctx) * 512 + c] > counts[size_t(ctx) * 512 + best]) best = c;
    return best;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: count_baselines TRAIN.tfrecord EVAL.tfrecord [...]\n");
    return 2;
  }
  const auto train = load_sequence_examples(argv[1], 518, 512);
  // Context functions for the four models.
  auto none = [](StepContext) { return 0; };
  auto pos = [](StepContext c) { return c.bar_position; };
  auto prev = [](StepContext c) { return c.prev_class; };
  auto both = [](StepContext c) { return c.prev_class * 16 + c.bar_position; };
  struct Named {
    const char* name;
    Model model;
    int (*ctx)(StepContext);
  };
  std::vector<Named> models = {{"class frequency", Model(1), +none},
                               {"position in bar", Model(16), +pos},
                               {"bigram (previous class)", Model(512), +prev},
                               {"position + previous class", Model(512 * 16), +both}};
  for (size_t s = 0; s < train.total_steps(); ++s) {
    const StepContext c = context_of(train, s);
    for (auto& m : models) m.model.add(m.ctx(c), train.labels[s]);
  }
  std::printf("# count baselines trained on %s (%zu steps)\n", argv[1], train.total_steps());
  std::printf("%-28s %-40s %10s %10s %10s\n", "model", "eval file", "NLL", "perplexity", "accuracy");
  for (int f = 2; f < argc; ++f) {
    const auto eval = load_sequence_examples(argv[f], 518, 512);
    for (const auto& m : models) {
      double nll = 0;
      size_t correct = 0;
      for (size_t s = 0; s < eval.total_steps(); ++s) {
        const int ctx = m.ctx(context_of(eval, s));
        nll -= m.model.logp(ctx, eval.labels[s]);
        correct += m.model.argmax(ctx) == eval.labels[s];
      }
      const double n = double(eval.total_steps());
      std::printf("%-28s %-40s %10.4f %10.3f %10.4f\n", m.name, argv[f], nll / n, std::exp(nll / n), correct / n);
    }
  }
  return 0;
}
