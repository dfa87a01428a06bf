// Softmax cross-entropy over the classes, with Magenta's metrics (facts §7): every real step
// weighs the same; "event" steps are those whose label is not the default event 0.
#pragma once
#include <cstdint>
#include <vector>

namespace drumrnn {

struct XentTotals {
  double loss_sum = 0;  // Σ cross-entropy (nats)
  int64_t steps = 0, correct = 0;
  int64_t event_steps = 0, event_correct = 0;      // label != 0
  int64_t no_event_steps = 0, no_event_correct = 0;  // label == 0
  std::vector<int64_t> class_steps, class_correct;  // per class, when tracked

  void add(const XentTotals& o);
  double loss() const { return steps ? loss_sum / double(steps) : 0.0; }
  double accuracy() const { return steps ? double(correct) / double(steps) : 0.0; }
  double event_accuracy() const { return event_steps ? double(event_correct) / double(event_steps) : 0.0; }
  double no_event_accuracy() const { return no_event_steps ? double(no_event_correct) / double(no_event_steps) : 0.0; }
  // tf.metrics.mean_per_class_accuracy: mean over all classes, a class never seen counting as 0.
  double per_class_accuracy() const;
};

// logits [rows, C] (row-major). When d_logits is non-null it receives (softmax - onehot) * grad_scale.
// When track_classes, class_steps/class_correct are sized C and filled.
XentTotals softmax_xent(const float* logits, const int32_t* labels, int rows, int C, float* d_logits, float grad_scale,
                        bool track_classes = false);

}  // namespace drumrnn
