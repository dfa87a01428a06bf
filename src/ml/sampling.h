// Temperature softmax and sampling shared by generation, beam search and the live generator.
#pragma once
#include <cstddef>

namespace drumrnn {

// probs = softmax(logits / temperature); allocation-free. A NaN logit gets probability 0; +Inf logits
// share all the mass; when every logit is NaN or -Inf, class 0 gets it all.
void softmax_with_temperature(const float* logits, int n, float temperature, float* probs);

// Index drawn from `probs` (non-negative, summing to about 1) with u uniform in [0, 1): class i with
// probability probs[i] / sum(probs). 0 when the sum is not positive.
int sample_index(const float* probs, int n, double u);

}  // namespace drumrnn
