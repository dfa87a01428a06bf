#include "ml/checkpoint.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <regex>

#include "ml/safetensors.h"

namespace drumrnn {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "drumrnn.drum_rnn.v1";
constexpr const char* kAdamM = "optimizer/m/";
constexpr const char* kAdamV = "optimizer/v/";

std::string encoding_description(const DrumConfig& c) {
  if (c.id == DrumConfigId::drum_kit)
    return "inputs: 512-way one-hot of the 9-class drum bitmask + 6 binary counters of position+1 (+1/-1); "
           "labels: next step's class (0..511)";
  return "inputs: one-hot of silence / any drum; labels: next step's class (0..1)";
}

std::vector<std::pair<int64_t, std::string>> list_checkpoints(const std::string& dir) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::error_code ec;
  static const std::regex re(R"(model\.ckpt-(\d+)\.safetensors)");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::smatch m;
    const std::string name = it->path().filename().string();
    if (std::regex_match(name, m, re)) out.emplace_back(std::stoll(m[1]), it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

constexpr const char* kAttentionLstm = "rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/basic_lstm_cell/kernel";
// Magenta's old layout: the attention wrapper around the whole MultiRNNCell (ml/attention.h).
constexpr const char* kStackPrefix = "rnn/attention_cell_wrapper/";

// Layer sizes from the kernels' shapes: cell_l kernel is [in + H, 4H] (cell 0's inside the
// attention wrapper when there is one, every cell's for the old layout; `attention` and `stack`
// say which).
std::vector<int> infer_layers(const SafetensorsFile& f, int& input_size, bool& attention, bool& stack) {
  std::vector<int> layers;
  const std::string stack_cells = std::string(kStackPrefix) + "multi_rnn_cell/cell_";
  stack = f.tensors.count(stack_cells + "0/basic_lstm_cell/kernel") > 0;
  attention = stack || f.tensors.count(kAttentionLstm) > 0;
  for (int l = 0;; ++l) {
    const std::string cell = std::to_string(l) + "/basic_lstm_cell/kernel";
    auto it = stack                    ? f.tensors.find(stack_cells + cell)
              : l == 0 && attention    ? f.tensors.find(kAttentionLstm)
                                       : f.tensors.find("rnn/multi_rnn_cell/cell_" + cell);
    if (it == f.tensors.end()) break;
    if (it->second.shape.size() != 2 || it->second.shape[1] % 4)
      throw ModelLoadError(f.path + ": tensor " + it->first + " is not an LSTM kernel [in + H, 4H]");
    const int H = int(it->second.shape[1] / 4);
    if (l == 0) input_size = int(it->second.shape[0]) - H;
    layers.push_back(H);
  }
  if (layers.empty()) throw ModelLoadError(f.path + ": no LSTM layers (rnn/multi_rnn_cell/cell_0/...) in the file");
  return layers;
}

void require_finite(const std::string& path, const ParamBuffer& buffer, const std::string& prefix = "") {
  const std::string bad = find_non_finite(buffer, prefix);
  if (!bad.empty()) throw ModelLoadError(path + ": tensor " + bad + "; the file cannot be used");
}

}  // namespace

std::string find_non_finite(const ParamBuffer& buffer, const std::string& prefix) {
  for (size_t i = 0; i < buffer.table->views().size(); ++i)
    for (float x : buffer.view(i))
      if (!std::isfinite(x))
        return prefix + buffer.table->views()[i].name + " holds " + (std::isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
  return "";
}

std::string checkpoint_path(const std::string& dir, int64_t step) {
  return (fs::path(dir) / ("model.ckpt-" + std::to_string(step) + ".safetensors")).string();
}

void save_model(const std::string& path, const DrumRnn& model, const HParams& hparams, int64_t step,
                const AdamState* adam, const std::map<std::string, std::string>& extra) {
  std::string bad = find_non_finite(model.params());
  if (bad.empty() && adam) bad = find_non_finite(adam->m, kAdamM);
  if (bad.empty() && adam) bad = find_non_finite(adam->v, kAdamV);
  if (!bad.empty()) throw ModelSaveError(path + " not written: tensor " + bad);
  std::vector<NamedTensor> tensors = named_tensors(model.params());
  if (adam) {
    for (auto& t : named_tensors(adam->m, kAdamM)) tensors.push_back(std::move(t));
    for (auto& t : named_tensors(adam->v, kAdamV)) tensors.push_back(std::move(t));
  }
  std::map<std::string, std::string> meta = extra;
  const DrumConfig& c = *model.shape().config;
  meta["format"] = kFormat;
  meta["config"] = c.name;
  meta["hparams"] = hparams_to_string(hparams);
  // Also in the tensor names, which decide on load; for readers of the metadata.
  if (model.has_attention()) meta["attention_layout"] = model.attention_wraps_stack() ? "whole_stack" : "cell_0";
  meta["encoding"] = encoding_description(c);
  meta["input_size"] = std::to_string(c.input_size);
  meta["num_classes"] = std::to_string(c.num_classes);
  meta["steps_per_quarter"] = std::to_string(c.steps_per_quarter);
  meta["training_step"] = std::to_string(step);
  if (adam) meta["adam_step"] = std::to_string(adam->step);
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  save_safetensors(path, tensors, meta);
}

LoadedModel load_model(const std::string& path, const std::string& expected_config, AdamState* adam) {
  const SafetensorsFile f = load_safetensors(path);
  LoadedModel out;
  out.path = path;
  out.metadata = f.metadata;
  int input_size = 0;
  bool attention = false, stack = false;
  const std::vector<int> layers = infer_layers(f, input_size, attention, stack);
  std::string config_name;
  if (auto it = f.metadata.find("config"); it != f.metadata.end()) {
    config_name = it->second;
  } else if (input_size == drum_config(DrumConfigId::drum_kit).input_size) {
    config_name = "drum_kit";
  } else if (input_size == drum_config(DrumConfigId::one_drum).input_size) {
    config_name = "one_drum";
  } else {
    throw ModelLoadError(path + ": input width " + std::to_string(input_size) + " matches no drum config");
  }
  const DrumConfig* config = nullptr;
  try {
    config = &drum_config(config_name);
  } catch (const std::exception& e) {
    throw ModelLoadError(path + ": " + e.what());
  }
  if (!expected_config.empty() && expected_config != config_name)
    throw ModelLoadError(path + " is a " + config_name + " model, but --config is " + expected_config);
  if (input_size != config->input_size)
    throw ModelLoadError(path + ": input width " + std::to_string(input_size) + " does not fit " + config_name);

  out.hparams = default_hparams(config_name);
  if (auto it = f.metadata.find("hparams"); it != f.metadata.end()) {
    try {
      out.hparams = parse_hparams(it->second, out.hparams);
    } catch (const std::exception& e) {
      throw ModelLoadError(path + ": bad hparams in metadata: " + e.what());
    }
  }
  out.hparams.rnn_layer_sizes = layers;
  // attn_length shapes no tensor (attn_w is [1, 1, A, A]), so it must come from the hparams.
  if (attention && out.hparams.attn_length <= 0)
    throw ModelLoadError(path + ": the model has attention tensors but its metadata gives no attn_length > 0");
  if (!attention && out.hparams.attn_length > 0)
    throw ModelLoadError(path + ": the metadata says attn_length=" + std::to_string(out.hparams.attn_length) +
                         " but the file has no attention tensors (" + kAttentionLstm + ")");
  if (auto it = f.metadata.find("attention_layout");
      it != f.metadata.end() && attention && it->second != (stack ? "whole_stack" : "cell_0"))
    throw ModelLoadError(path + ": the metadata says attention_layout=" + it->second + " but the tensors are " +
                         (stack ? "whole_stack (" + std::string(kStackPrefix) + "...)" : "cell_0 (" + std::string(kAttentionLstm) + ")"));
  if (auto it = f.metadata.find("training_step"); it != f.metadata.end()) out.step = std::stoll(it->second);

  out.model = std::make_unique<DrumRnn>(DrumRnnShape{config, layers, attention ? out.hparams.attn_length : 0, stack});
  load_into(f, out.model->params());
  require_finite(path, out.model->params());
  if (adam) {
    load_into(f, adam->m, kAdamM);
    load_into(f, adam->v, kAdamV);
    require_finite(path, adam->m, kAdamM);
    require_finite(path, adam->v, kAdamV);
    auto it = f.metadata.find("adam_step");
    adam->step = it == f.metadata.end() ? out.step : std::stoll(it->second);
  }
  return out;
}

std::string latest_checkpoint(const std::string& dir) {
  const auto all = list_checkpoints(dir);
  return all.empty() ? "" : all.back().second;
}

void prune_checkpoints(const std::string& dir, int keep) {
  if (keep <= 0) return;
  auto all = list_checkpoints(dir);
  std::error_code ec;
  for (size_t i = 0; i + size_t(keep) < all.size(); ++i) fs::remove(all[i].second, ec);
}

int remove_stale_checkpoint_temps(const std::string& dir) {
  static const std::regex re(R"(model\.ckpt-\d+\.safetensors\.tmp\.(\d+))");
  std::vector<fs::path> stale;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::smatch m;
    const std::string name = it->path().filename().string();
    if (!std::regex_match(name, m, re)) continue;
    // A writer that is still running (another process, or this one) may yet commit its file.
    if (m[1].length() > 9) continue;  // no such pid
    const long pid = std::stol(m[1]);
    if (pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno != ESRCH)) continue;
    stale.push_back(it->path());
  }
  int removed = 0;
  for (const auto& p : stale) removed += fs::remove(p, ec);
  return removed;
}

}  // namespace drumrnn

namespace drumrnn {

void restore_optimizer(const std::string& path, AdamState& adam) {
  const SafetensorsFile f = load_safetensors(path);
  load_into(f, adam.m, kAdamM);
  load_into(f, adam.v, kAdamV);
  require_finite(path, adam.m, kAdamM);
  require_finite(path, adam.v, kAdamV);
  auto it = f.metadata.find("adam_step");
  if (it == f.metadata.end()) throw ModelLoadError(path + ": not a training checkpoint (no optimizer state)");
  adam.step = std::stoll(it->second);
}

}  // namespace drumrnn
