// The MetaGraphDef a generator bundle needs: drums_rnn_generate --bundle_file imports the bundle's
// graph (tf.train.import_meta_graph) instead of building one, and restores the checkpoint into it.
#pragma once
#include <string>

#include "ml/drum_rnn.h"

namespace drumrnn {

// A serialized tensorflow.MetaGraphDef of Magenta's generate graph for `model` (batch size 1), with
// its collections (inputs, temperature, softmax, initial_state, final_state) and a SaverDef.
// Throws std::runtime_error while bundles cannot be written.
std::string magenta_generate_metagraph(const DrumRnn& model);

}  // namespace drumrnn
