// Recognises Magenta's OLD attention layout in a TensorFlow checkpoint: the AttentionCellWrapper
// around the whole MultiRNNCell (ml/attention.h; Magenta before 2017-05-24 and, as magenta-js reads
// it, the published drum_kit_rnn.mag). Its variables sit under "rnn/attention_cell_wrapper/".
#pragma once
#include <string>
#include <vector>

#include "ml/tf_checkpoint.h"

namespace drumrnn {

struct MagentaStackLayout {
  bool found = false;
  std::vector<int> layers;  // from rnn/attention_cell_wrapper/multi_rnn_cell/cell_<l>/basic_lstm_cell/kernel
  int input_size = 0;       // the first kernel's rows minus its units
  // The checkpoint under drumrnn's (TF >= 1.2) names when any variable needed renaming, else empty:
  // TF 1.0/1.1's ".../weights" and ".../biases" as "kernel" and "bias", and magenta-js's
  // "attention_output_projection" as TF's "attn_output_projection" (Adam slots alike).
  TfVariables renamed;
};

// `where` names the checkpoint in errors. Throws TfFormatError, one line naming the variable, for
// an LSTM kernel of the wrong rank or shape, or two variables that map to one name.
MagentaStackLayout find_magenta_stack_layout(const TfVariables& vars, const std::string& where);

}  // namespace drumrnn
