#include "ml/magenta_stack_layout.h"

namespace drumrnn {
namespace {

constexpr const char* kPrefix = "rnn/attention_cell_wrapper/";

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// Replaces the path segment `from` (between slashes, or last) with `to`; true when it did.
bool replace_segment(std::string& name, const std::string& from, const std::string& to) {
  for (size_t at = name.find(from); at != std::string::npos; at = name.find(from, at + 1)) {
    const size_t end = at + from.size();
    if (at > 0 && name[at - 1] == '/' && (end == name.size() || name[end] == '/')) {
      name.replace(at, from.size(), to);
      return true;
    }
  }
  return false;
}

// drumrnn's name for a variable of the old layout (unchanged for anything else).
std::string canonical_name(const std::string& name) {
  if (name.compare(0, std::string(kPrefix).size(), kPrefix) != 0) return name;
  std::string out = name;
  replace_segment(out, "attention_output_projection", "attn_output_projection");
  replace_segment(out, "weights", "kernel") || replace_segment(out, "biases", "bias");
  return out;
}

}  // namespace

MagentaStackLayout find_magenta_stack_layout(const TfVariables& vars, const std::string& where) {
  MagentaStackLayout out;
  bool renames = false;
  for (const auto& [name, t] : vars) {
    if (name.compare(0, std::string(kPrefix).size(), kPrefix) == 0) out.found = true;
    if (canonical_name(name) != name) renames = true;
  }
  if (!out.found) return out;
  if (renames) {
    for (const auto& [name, t] : vars) {
      const std::string to = canonical_name(name);
      if (!out.renamed.emplace(to, t).second)
        throw TfFormatError(where + ": variable " + name + " and another both read as " + to);
    }
  }
  const TfVariables& v = renames ? out.renamed : vars;
  for (int l = 0;; ++l) {
    const std::string name = std::string(kPrefix) + "multi_rnn_cell/cell_" + std::to_string(l) + "/basic_lstm_cell/kernel";
    const auto it = v.find(name);
    if (it == v.end()) break;
    const auto& k = it->second.shape;
    if (k.size() != 2 || k[1] % 4 || k[1] == 0 || k[0] <= k[1] / 4)
      throw TfFormatError(where + ": variable " + name + " has shape " + shape_text(k) + ", not an LSTM kernel [in + H, 4H]");
    const int H = int(k[1] / 4);
    if (l == 0) out.input_size = int(k[0]) - H;
    out.layers.push_back(H);
  }
  if (out.layers.empty())
    throw TfFormatError(where + ": missing variable " + std::string(kPrefix) +
                        "multi_rnn_cell/cell_0/basic_lstm_cell/kernel (attention around the whole stack without its LSTMs?)");
  return out;
}

}  // namespace drumrnn
