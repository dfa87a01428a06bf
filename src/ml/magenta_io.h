// Where a model comes from, whatever its format: a drumrnn model file, a Magenta training run's TF
// checkpoint or a Magenta generator bundle (.mag), read in memory into a MagentaModel / LoadedModel;
// and a model written as a bundle. What import-magenta, export-magenta and generate share.
#pragma once
#include <string>

#include "ml/checkpoint.h"
#include "ml/magenta_model.h"

namespace drumrnn {

enum class ModelFormat { drumrnn, magenta_checkpoint, magenta_bundle };

struct ModelSource {
  ModelFormat format = ModelFormat::drumrnn;
  std::string path;  // a .safetensors file, a TF checkpoint prefix (PREFIX.index) or a .mag file
};

// True when `path` is a TF checkpoint prefix: no such file, but PREFIX.index exists.
bool is_tf_checkpoint_prefix(const std::string& path);
// True when `run_dir` holds a TF `checkpoint` state file: RUN/train/checkpoint, or RUN/checkpoint
// (a bare train folder).
bool has_tf_checkpoint_state(const std::string& run_dir);
// The checkpoint prefix that RUN/train/checkpoint (or RUN/checkpoint) names. Throws TfFormatError
// naming the run when there is none.
std::string tf_checkpoint_in_run_dir(const std::string& run_dir);

// --run_dir / --checkpoint_file / --model as drumrnn resolves them (resolve_model_path: the newest
// model.ckpt-N.safetensors in RUN/train, the file given, or the shipped model), falling back to
// Magenta's TF checkpoint where RUN holds no drumrnn checkpoint but a TF `checkpoint` file, or where
// the file given is a TF checkpoint prefix; a file named *.mag is a bundle. Throws ModelLoadError ("no checkpoint in RUN/train")
// when a run directory holds neither.
ModelSource resolve_model_source(const std::string& run_dir, const std::string& model_file);

// Reads a Magenta checkpoint or bundle (the format must be one of Magenta's). `config` "" = from
// the bundle's generator id or the input width; else it must match ("... is a drum_kit bundle, but
// --config is one_drum"; a checkpoint's width mismatch as model_from_magenta words it).
// `hparams_text` as model_from_magenta takes it (attn_length, which no variable holds). The model's
// loaded.path is the source's path; a bundle's description goes into loaded.metadata as
// "magenta_bundle_description". Throws TfFormatError, one line naming the file.
MagentaModel read_magenta_model(const ModelSource& source, const std::string& config, const std::string& hparams_text);

// Any source as a model to run: drumrnn files through load_model (`hparams_text` unused: the file
// records its own), Magenta's through read_magenta_model. `config` "" = the model's; else a mismatch
// is one line ("PATH is a drum_kit model, but --config is one_drum"; a bundle: "... bundle ...").
LoadedModel load_model_source(const ModelSource& source, const std::string& config, const std::string& hparams_text);

// resolve_model_source + load_model_source: what every command that takes --model / --run_dir calls,
// so that a .mag bundle, a TF checkpoint prefix or a Magenta run works wherever a model file does.
LoadedModel load_any_model(const std::string& run_dir, const std::string& model_file, const std::string& config = "",
                           const std::string& hparams_text = "");

// Writes `model` as a Magenta generator bundle (atomically): generator id = its config, the
// variables as a TF V1 checkpoint, Magenta's generate graph for its sizes. `where` (the model's own
// path) names it in errors; an empty `generator_description` = Magenta's text for the config.
void save_magenta_bundle(const std::string& path, const DrumRnn& model, const std::string& where,
                         const std::string& bundle_description, const std::string& generator_description = "");

}  // namespace drumrnn
