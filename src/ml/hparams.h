// Magenta's model hyperparameters (events_rnn_model.py EventSequenceRnnConfig + the drums configs,
// facts §2) and its `--hparams "name=value,list=[1,2]"` override syntax.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace drumrnn {

// Every rejected config name, hparams string or value; the message is one line.
struct HParamsError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct HParams {
  int batch_size = 64;
  std::vector<int> rnn_layer_sizes{128, 128};
  float dropout_keep_prob = 1.0f;
  int attn_length = 0;
  float clip_norm = 3.0f;  // per-tensor clip_by_norm threshold (facts §7)
  float learning_rate = 0.001f;
  bool residual_connections = false;
  bool operator==(const HParams&) const = default;
};

// "drum_kit" or "one_drum"; throws HParamsError listing the valid names otherwise.
HParams default_hparams(const std::string& config);

// Applies Magenta-syntax overrides to `base` and validates the result.
HParams parse_hparams(const std::string& text, HParams base);

// Throws HParamsError when a value is out of range (sizes <= 0, keep prob outside (0,1], attn_length < 0).
void validate_hparams(const HParams& h);

// All fields in parse_hparams syntax; parse_hparams(hparams_to_string(h), any) == h.
std::string hparams_to_string(const HParams& h);
// "[256,256,256]", as --hparams writes rnn_layer_sizes.
std::string layer_sizes_text(const std::vector<int>& sizes);

}  // namespace drumrnn
