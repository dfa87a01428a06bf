// Magenta drums_rnn checkpoints and bundles <-> drumrnn models: every TensorFlow variable name
// mapped to drumrnn's (the LSTM and logits layers already carry TF's names), shapes checked, the
// config and layer sizes recovered, Adam's slots kept so a training run can resume on either side.
#pragma once
#include <memory>
#include <string>

#include "ml/adam.h"
#include "ml/checkpoint.h"
#include "ml/tf_checkpoint.h"

namespace drumrnn {

struct MagentaModel {
  LoadedModel loaded;               // model, hparams, step (global_step), metadata
  std::unique_ptr<AdamState> adam;  // when the checkpoint holds Adam's slots (a training run)
};

// `where` names the checkpoint in errors. `config` "" = from the input width (518 drum_kit,
// 2 one_drum); else it must match. `hparams_text` (Magenta syntax) overrides the config's
// defaults; rnn_layer_sizes come from the kernels and must agree with it when given. Throws
// TfFormatError, one line naming the variable: missing, unexpected, wrong shape or dtype,
// attention (until drumrnn runs it), or an unknown config. Magenta's old layout (attention around
// the whole stack, "rnn/attention_cell_wrapper/...", ml/magenta_stack_layout.h) is read, with
// attn_length from `hparams_text` or 32.
// `graph_attn_length` is the window the run's graph was built with (attn_length_in_metagraph on a
// bundle's graph or a run's model.ckpt-N.meta; 0 = unknown): it wins over the defaults, and a
// different --hparams attn_length is refused in one line.
MagentaModel model_from_magenta(const TfVariables& vars, const std::string& where, const std::string& config,
                                const std::string& hparams_text = "", int graph_attn_length = 0);

// The variables of a Magenta training checkpoint: the model's, global_step = `step`, and Adam's
// slots and beta powers (from `adam`, or a fresh optimizer when null, so Magenta's trainer can resume).
TfVariables magenta_from_model(const DrumRnn& model, int64_t step, const AdamState* adam);
// Only the model's variables (what a generator bundle holds).
TfVariables magenta_model_variables(const DrumRnn& model);

// "drum_kit" / "one_drum"; a bundle for any other generator is a TfFormatError naming `where`.
std::string drums_config_from_bundle_id(const std::string& id, const std::string& where);
// Magenta's GeneratorDetails description of the config.
std::string magenta_config_description(const std::string& config);

}  // namespace drumrnn
