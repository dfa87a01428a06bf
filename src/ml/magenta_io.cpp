#include "ml/magenta_io.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "ml/default_model.h"
#include "ml/magenta_bundle.h"
#include "ml/magenta_metagraph.h"
#include "ml/tf_checkpoint.h"

namespace drumrnn {
namespace fs = std::filesystem;

bool is_tf_checkpoint_prefix(const std::string& path) {
  std::error_code ec;
  return !path.empty() && !fs::is_regular_file(path, ec) && fs::is_regular_file(path + ".index", ec);
}

bool has_tf_checkpoint_state(const std::string& run_dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(run_dir) / "train" / "checkpoint", ec) ||
         fs::is_regular_file(fs::path(run_dir) / "checkpoint", ec);
}

std::string tf_checkpoint_in_run_dir(const std::string& run_dir) {
  const fs::path train = fs::path(run_dir) / "train";
  std::error_code ec;
  if (fs::is_regular_file(train / "checkpoint", ec)) return latest_tf_checkpoint(train.string());
  if (fs::is_regular_file(fs::path(run_dir) / "checkpoint", ec)) return latest_tf_checkpoint(run_dir);
  throw TfFormatError(run_dir + ": no TensorFlow checkpoint (no " + (train / "checkpoint").string() + ")");
}

ModelSource resolve_model_source(const std::string& run_dir, const std::string& model_file) {
  if (!model_file.empty()) {
    if (is_tf_checkpoint_prefix(model_file)) return {ModelFormat::magenta_checkpoint, model_file};
    if (fs::path(model_file).extension() == ".mag") return {ModelFormat::magenta_bundle, model_file};
    return {ModelFormat::drumrnn, model_file};
  }
  if (!run_dir.empty()) {
    const std::string train = (fs::path(run_dir) / "train").string();
    const std::string latest = latest_checkpoint(train);
    if (!latest.empty()) return {ModelFormat::drumrnn, latest};
    if (has_tf_checkpoint_state(run_dir)) return {ModelFormat::magenta_checkpoint, tf_checkpoint_in_run_dir(run_dir)};
    throw ModelLoadError("no checkpoint in " + train +
                         " (neither drumrnn's model.ckpt-N.safetensors nor a TensorFlow checkpoint file)");
  }
  return {ModelFormat::drumrnn, resolve_model_path("", "")};
}

namespace {

// The window a training run's graph was built with, from the MetaGraphDef TF's Saver writes beside
// the checkpoint (PREFIX.meta); 0 when there is none.
int graph_attn_length(const std::string& prefix) {
  std::ifstream in(prefix + ".meta", std::ios::binary);
  if (!in) return 0;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return attn_length_in_metagraph(bytes.str());
}

}  // namespace

MagentaModel read_magenta_model(const ModelSource& source, const std::string& config, const std::string& hparams_text) {
  const std::string& where = source.path;
  MagentaModel m;
  switch (source.format) {
    case ModelFormat::magenta_bundle: {
      const MagentaBundle b = read_magenta_bundle(where);
      const std::string id = drums_config_from_bundle_id(b.generator_id, where);
      if (!config.empty() && config != id) throw TfFormatError(where + " is a " + id + " bundle, but --config is " + config);
      m = model_from_magenta(read_tf_checkpoint_v1(b.checkpoint, where), where, id, hparams_text,
                             attn_length_in_metagraph(b.metagraph));
      if (!b.bundle_description.empty()) m.loaded.metadata["magenta_bundle_description"] = b.bundle_description;
      break;
    }
    case ModelFormat::magenta_checkpoint:
      m = model_from_magenta(read_tf_checkpoint_v2(where), where, config, hparams_text, graph_attn_length(where));
      break;
    case ModelFormat::drumrnn:
      throw std::invalid_argument(where + ": a drumrnn model file, not a Magenta checkpoint or bundle");
  }
  m.loaded.path = where;
  return m;
}

LoadedModel load_model_source(const ModelSource& source, const std::string& config, const std::string& hparams_text) {
  if (source.format == ModelFormat::drumrnn) return load_model(source.path, config);
  // A checkpoint's config comes from its input width: read it so, then compare, so that a wrong
  // --config is worded as for a drumrnn file (a bundle names its own).
  MagentaModel m =
      read_magenta_model(source, source.format == ModelFormat::magenta_bundle ? config : "", hparams_text);
  const std::string name = m.loaded.model->shape().config->name;
  if (!config.empty() && config != name)
    throw ModelLoadError(source.path + " is a " + name + " model, but --config is " + config);
  return std::move(m.loaded);
}

LoadedModel load_any_model(const std::string& run_dir, const std::string& model_file, const std::string& config,
                           const std::string& hparams_text) {
  return load_model_source(resolve_model_source(run_dir, model_file), config, hparams_text);
}

void save_magenta_bundle(const std::string& path, const DrumRnn& model, const std::string& where,
                         const std::string& bundle_description, const std::string& generator_description) {
  const std::string config = model.shape().config->name;
  MagentaBundle b;
  b.generator_id = config;
  b.generator_description = generator_description.empty() ? magenta_config_description(config) : generator_description;
  b.bundle_description = bundle_description;
  b.checkpoint = write_tf_checkpoint_v1(magenta_model_variables(model));
  b.metagraph = magenta_generate_metagraph(model, where);
  write_magenta_bundle(path, b);
}

}  // namespace drumrnn
