// The MetaGraphDef a generator bundle needs: drums_rnn_generate --bundle_file imports the bundle's
// graph (tf.train.import_meta_graph) instead of building one, restores the checkpoint into it through
// the graph's SaverDef, and runs it through its collections (inputs, temperature, softmax,
// initial_state, final_state).
//
// The graph is Magenta's own: resources/magenta/drums_rnn_generate_l{1,2,3}{,_attn}.meta are the
// metagraphs that Magenta's create_bundle_file writes (TF 1 control flow, batch size 1, time
// dimension free), made at reference sizes by tests/fixtures/magenta/make_metagraph_templates.py and
// compiled in. The layer count and attention pick the template; every size-dependent number in it (a
// dimension of a shape attribute or of a tensor, a value of an integer constant: the variables'
// shapes, the zero states, the reshapes, the placeholder) is mapped from the reference sizes to the
// model's, and the variables' initializers get the Glorot bounds of their new shapes, so the graph
// is, node for node, the one Magenta writes for a bundle of the model's sizes (checked by
// tests/fixtures/magenta/compare_metagraph.py). The reference sizes are chosen so that each such
// number is unique and no incidental constant reaches them, so the mapping is unambiguous; a number
// in that range that no size explains fails the export rather than being left behind.
#pragma once
#include <string>
#include <vector>

#include "ml/drum_rnn.h"

namespace drumrnn {

// The sizes a drums_rnn generate graph depends on.
struct MagentaGraphSizes {
  int input_size = 0, num_classes = 0;
  std::vector<int> layer_sizes;
  int attn_length = 0;
};

// A serialized tensorflow.MetaGraphDef of Magenta's generate graph for `model`, whose variables are
// exactly the model's (magenta_model_variables), with their shapes. `where` (the model file) names it
// in errors. Throws std::runtime_error for a model no template fits (more than 3 layers).
std::string magenta_generate_metagraph(const DrumRnn& model, const std::string& where);

// The attention window (attn_length) a Magenta drums_rnn graph was built with: no variable holds it,
// but the wrapper reshapes its flattened window to [-1, L, A] ("...attention_cell_wrapper/Reshape/shape").
// `bytes` is a serialized MetaGraphDef (a bundle's, or a training run's model.ckpt-N.meta). 0 when
// the bytes are no MetaGraphDef or the graph has no attention.
int attn_length_in_metagraph(const std::string& bytes);

// The template metagraph rewritten from `from` (its reference sizes) to `to`; `name` names the
// template in errors. Exposed for tests.
std::string rewrite_magenta_metagraph(const std::string& template_bytes, const MagentaGraphSizes& from,
                                      const MagentaGraphSizes& to, const std::string& name);

}  // namespace drumrnn
