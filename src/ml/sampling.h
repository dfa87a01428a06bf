// Temperature softmax and sampling shared by generation, beam search and the live generator.
#pragma once
#include <cstddef>

namespace drumrnn {

// probs = softmax(logits / temperature); returns nothing, allocation-free.
void softmax_with_temperature(const float* logits, int n, float temperature, float* probs);

// Index drawn from `probs` (which sum to 1) with u uniform in [0, 1).
int sample_index(const float* probs, int n, double u);

}  // namespace drumrnn
