// Model files and training checkpoints, both safetensors: the model's tensors under TensorFlow's
// names, Adam's moments under "optimizer/m/" and "optimizer/v/" (checkpoints only), and metadata
// (config, hparams, encoding, step, data provenance) in __metadata__.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "ml/adam.h"
#include "ml/drum_rnn.h"
#include "ml/hparams.h"

namespace drumrnn {

struct ModelLoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LoadedModel {
  std::unique_ptr<DrumRnn> model;
  HParams hparams;
  int64_t step = 0;
  std::map<std::string, std::string> metadata;
  std::string path;
};

// Writes atomically. `adam` null = a plain model file. `extra` goes into the metadata as is.
void save_model(const std::string& path, const DrumRnn& model, const HParams& hparams, int64_t step,
                const AdamState* adam, const std::map<std::string, std::string>& extra = {});

// Loads a model file or checkpoint. The config comes from the metadata or, for files written by
// other tools, from the tensor shapes (input width 518 = drum_kit, 2 = one_drum). When
// `expected_config` is set and differs, throws ModelLoadError ("... is a one_drum model, --config
// says drum_kit"). When `adam` is non-null, the optimizer state is restored too.
LoadedModel load_model(const std::string& path, const std::string& expected_config = "", AdamState* adam = nullptr);

// "<dir>/model.ckpt-<step>.safetensors" for the highest step in `dir`, or "" when there is none.
std::string latest_checkpoint(const std::string& dir);
std::string checkpoint_path(const std::string& dir, int64_t step);
// Deletes all but the newest `keep` checkpoints in `dir`.
void prune_checkpoints(const std::string& dir, int keep);

}  // namespace drumrnn

namespace drumrnn {
// Restores Adam's moments and step count from a checkpoint written with an AdamState.
void restore_optimizer(const std::string& path, AdamState& adam);
}  // namespace drumrnn
