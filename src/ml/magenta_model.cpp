#include "ml/magenta_model.h"

#include <cmath>
#include <set>

#include "ml/magenta_stack_layout.h"

namespace drumrnn {
namespace {

constexpr double kBeta1 = 0.9, kBeta2 = 0.999;  // Magenta's AdamOptimizer defaults

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::vector<int64_t> as_tf_shape(const std::vector<size_t>& shape) { return {shape.begin(), shape.end()}; }

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

const TfTensor& float_var(const TfVariables& vars, const std::string& name, const std::string& where) {
  const auto it = vars.find(name);
  if (it == vars.end()) throw TfFormatError(where + ": missing variable " + name);
  if (it->second.type != TfTensor::Type::float32) throw TfFormatError(where + ": variable " + name + " is not float32");
  return it->second;
}

// Magenta 2.x's attention wraps cell 0 only: its LSTM sits under the wrapper's scope.
constexpr const char* kCell0Attention = "rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/";

// Layer sizes from the LSTM kernels [in + H, 4H]; sets the first layer's input width (with
// attention, the LSTM is fed the wrapper's projection, which is as wide as the input).
std::vector<int> infer_layers(const TfVariables& vars, const std::string& where, bool attention, int& input_size) {
  std::vector<int> layers;
  for (int l = 0;; ++l) {
    const std::string name = l == 0 && attention ? std::string(kCell0Attention) + "basic_lstm_cell/kernel"
                                                 : "rnn/multi_rnn_cell/cell_" + std::to_string(l) + "/basic_lstm_cell/kernel";
    if (!vars.count(name)) break;
    const TfTensor& k = float_var(vars, name, where);
    if (k.shape.size() != 2 || k.shape[1] % 4 || k.shape[1] == 0 || k.shape[0] <= k.shape[1] / 4)
      throw TfFormatError(where + ": variable " + name + " has shape " + shape_text(k.shape) + ", not an LSTM kernel [in + H, 4H]");
    const int H = int(k.shape[1] / 4);
    if (l == 0) input_size = int(k.shape[0]) - H;
    layers.push_back(H);
  }
  if (layers.empty())
    throw TfFormatError(where + ": missing variable " +
                        (attention ? std::string(kCell0Attention) + "basic_lstm_cell/kernel"
                                   : "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel (not a drums_rnn checkpoint?)"));
  return layers;
}

float scalar_float(const TfVariables& vars, const std::string& name, const std::string& where) {
  const TfTensor& t = float_var(vars, name, where);
  if (t.floats.size() != 1) throw TfFormatError(where + ": variable " + name + " is not a scalar");
  return t.floats[0];
}

}  // namespace

std::string drums_config_from_bundle_id(const std::string& id, const std::string& where) {
  if (id == "drum_kit" || id == "one_drum") return id;
  throw TfFormatError(where + ": a bundle for generator '" + id + "', not a drums_rnn model (drum_kit or one_drum)");
}

std::string magenta_config_description(const std::string& config) {
  return config == "one_drum" ? "Drums RNN with 2-state encoding." : "Drums RNN with multiple drums and binary counters.";
}

MagentaModel model_from_magenta(const TfVariables& vars, const std::string& where, const std::string& config,
                                const std::string& hparams_text, int graph_attn_length) {
  // Magenta's old layout, attention around the whole stack (ml/magenta_stack_layout.h): the same
  // names as drumrnn's once read under TF >= 1.2's.
  const MagentaStackLayout stack = find_magenta_stack_layout(vars, where);
  if (!stack.renamed.empty()) return model_from_magenta(stack.renamed, where, config, hparams_text, graph_attn_length);
  bool cell0_attention = false;
  for (const auto& [name, t] : vars) {
    if (name.rfind(kCell0Attention, 0) == 0) cell0_attention = true;
    else if (!stack.found && name.find("attention_cell_wrapper") != std::string::npos)
      throw TfFormatError(where + ": variable " + name + " belongs to no attention layout drumrnn knows");
  }
  const bool attention = cell0_attention || stack.found;
  int input_size = stack.input_size;
  const std::vector<int> layers = stack.found ? stack.layers : infer_layers(vars, where, cell0_attention, input_size);
  std::string name = config;
  if (name.empty()) {
    if (input_size == drum_config(DrumConfigId::drum_kit).input_size) name = "drum_kit";
    else if (input_size == drum_config(DrumConfigId::one_drum).input_size) name = "one_drum";
    else throw TfFormatError(where + ": input width " + std::to_string(input_size) + " matches no drums_rnn config");
  }
  if (name != "drum_kit" && name != "one_drum") throw TfFormatError(where + ": unknown config '" + name + "'");
  const DrumConfig& dc = drum_config(name);
  if (input_size != dc.input_size)
    throw TfFormatError(where + ": input width " + std::to_string(input_size) + " is not " + name + "'s (" +
                        std::to_string(dc.input_size) + ")");

  MagentaModel out;
  // No variable holds attn_length (attn_w is [1, 1, A, A] whatever the window), so it comes from the
  // run's graph when there is one, else --hparams, else Magenta's default for the config (drum_kit 32,
  // one_drum none).
  HParams h = default_hparams(name);
  const int magenta_attn_length = name == "drum_kit" ? 32 : 0;
  const bool attn_given = hparams_text.find("attn_length") != std::string::npos;
  try {
    if (!hparams_text.empty()) {
      HParams given = parse_hparams(hparams_text, h);
      if (given.rnn_layer_sizes != h.rnn_layer_sizes && given.rnn_layer_sizes != layers)
        throw TfFormatError(where + ": --hparams says rnn_layer_sizes=" + layer_sizes_text(given.rnn_layer_sizes) +
                            ", the checkpoint has " + layer_sizes_text(layers));
      h = given;
    }
  } catch (const HParamsError& e) {
    throw TfFormatError(e.what());
  }
  if (!attention) {
    if (attn_given && h.attn_length > 0)
      throw TfFormatError(where + ": --hparams says attn_length=" + std::to_string(h.attn_length) +
                          ", but the checkpoint has no attention variables (" + kCell0Attention + "...)");
    h.attn_length = 0;
  } else if (graph_attn_length > 0) {
    if (attn_given && h.attn_length != graph_attn_length)
      throw TfFormatError(where + ": --hparams says attn_length=" + std::to_string(h.attn_length) +
                          ", but its graph was built with attn_length=" + std::to_string(graph_attn_length));
    h.attn_length = graph_attn_length;
  } else if (!attn_given) {
    h.attn_length = magenta_attn_length;
  }
  if (attention && h.attn_length <= 0) {
    throw TfFormatError(where + ": an attention model needs its window: give --hparams attn_length=N, as it was trained with");
  }
  h.rnn_layer_sizes = layers;
  out.loaded.hparams = h;
  out.loaded.model = std::make_unique<DrumRnn>(DrumRnnShape{&dc, layers, h.attn_length, stack.found});
  DrumRnn& model = *out.loaded.model;

  std::set<std::string> known;
  for (size_t i = 0; i < model.table().views().size(); ++i) {
    const ParamView& v = model.table().views()[i];
    const TfTensor& t = float_var(vars, v.name, where);
    if (t.shape != as_tf_shape(v.shape))
      throw TfFormatError(where + ": variable " + v.name + " has shape " + shape_text(t.shape) + ", expected " +
                          shape_text(as_tf_shape(v.shape)));
    std::copy(t.floats.begin(), t.floats.end(), model.params().view(i).begin());
    known.insert(v.name);
  }
  const std::string bad = find_non_finite(model.params());
  if (!bad.empty()) throw TfFormatError(where + ": variable " + bad);

  // Training state: global_step, Adam's beta powers and slots. Anything else is not ours.
  bool has_slots = false;
  for (const auto& [var, t] : vars) {
    if (known.count(var) || var == "global_step" || var == "beta1_power" || var == "beta2_power") continue;
    for (const char* slot : {"/Adam", "/Adam_1"})
      if (ends_with(var, slot) && known.count(var.substr(0, var.size() - std::string(slot).size()))) has_slots = true;
    if (!(ends_with(var, "/Adam") && known.count(var.substr(0, var.size() - 5))) &&
        !(ends_with(var, "/Adam_1") && known.count(var.substr(0, var.size() - 7))))
      throw TfFormatError(where + ": unexpected variable " + var + " (not part of a drums_rnn " + name + " model)");
  }
  if (auto it = vars.find("global_step"); it != vars.end()) {
    if (it->second.type != TfTensor::Type::int64 || it->second.ints.size() != 1)
      throw TfFormatError(where + ": variable global_step is not an int64 scalar");
    out.loaded.step = it->second.ints[0];
  }
  if (has_slots) {
    out.adam = std::make_unique<AdamState>(model.table());
    for (size_t i = 0; i < model.table().views().size(); ++i) {
      const ParamView& v = model.table().views()[i];
      for (auto [slot, buffer] : {std::pair{"/Adam", &out.adam->m}, std::pair{"/Adam_1", &out.adam->v}}) {
        const TfTensor& t = float_var(vars, v.name + slot, where);
        if (t.shape != as_tf_shape(v.shape))
          throw TfFormatError(where + ": variable " + v.name + slot + " has shape " + shape_text(t.shape) + ", expected " +
                              shape_text(as_tf_shape(v.shape)));
        std::copy(t.floats.begin(), t.floats.end(), buffer->view(i).begin());
      }
    }
    // TF's beta1_power is β1^(t+1) after t updates (it starts at β1).
    const float b1 = scalar_float(vars, "beta1_power", where);
    if (!(b1 > 0 && b1 < 1)) throw TfFormatError(where + ": variable beta1_power holds " + std::to_string(b1));
    out.adam->step = std::max<int64_t>(0, std::llround(std::log(double(b1)) / std::log(kBeta1)) - 1);
    std::string bad_slot = find_non_finite(out.adam->m, "optimizer/m/");
    if (bad_slot.empty()) bad_slot = find_non_finite(out.adam->v, "optimizer/v/");
    if (!bad_slot.empty()) throw TfFormatError(where + ": variable " + bad_slot);
  }
  return out;
}

TfVariables magenta_model_variables(const DrumRnn& model) {
  TfVariables out;
  for (size_t i = 0; i < model.table().views().size(); ++i) {
    const ParamView& v = model.table().views()[i];
    TfTensor t;
    t.shape = as_tf_shape(v.shape);
    const auto data = model.params().view(i);
    t.floats.assign(data.begin(), data.end());
    out.emplace(v.name, std::move(t));
  }
  return out;
}

TfVariables magenta_from_model(const DrumRnn& model, int64_t step, const AdamState* adam) {
  TfVariables out = magenta_model_variables(model);
  TfTensor global_step;
  global_step.type = TfTensor::Type::int64;
  global_step.ints = {step};
  out.emplace("global_step", std::move(global_step));
  const int64_t updates = adam ? adam->step : 0;
  for (auto [name, beta] : {std::pair{"beta1_power", kBeta1}, std::pair{"beta2_power", kBeta2}}) {
    TfTensor t;
    t.floats = {float(std::pow(beta, double(updates + 1)))};
    out.emplace(name, std::move(t));
  }
  for (size_t i = 0; i < model.table().views().size(); ++i) {
    const ParamView& v = model.table().views()[i];
    for (auto [slot, buffer] : {std::pair{"/Adam", adam ? &adam->m : nullptr}, std::pair{"/Adam_1", adam ? &adam->v : nullptr}}) {
      TfTensor t;
      t.shape = as_tf_shape(v.shape);
      if (buffer) {
        const auto data = buffer->view(i);
        t.floats.assign(data.begin(), data.end());
      } else {
        t.floats.assign(v.size(), 0.0f);
      }
      out.emplace(v.name + slot, std::move(t));
    }
  }
  return out;
}

}  // namespace drumrnn
