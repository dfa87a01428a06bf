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

// save_model refuses a model or optimizer state holding NaN or Inf.
struct ModelSaveError : std::runtime_error {
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
// Throws ModelSaveError, writing nothing, when a tensor holds NaN or Inf.
void save_model(const std::string& path, const DrumRnn& model, const HParams& hparams, int64_t step,
                const AdamState* adam, const std::map<std::string, std::string>& extra = {});

// Loads a model file or checkpoint. The config comes from the metadata or, for files written by
// other tools, from the tensor shapes (input width 518 = drum_kit, 2 = one_drum). When
// `expected_config` is set and differs, throws ModelLoadError ("... is a one_drum model, --config
// says drum_kit"). When `adam` is non-null, the optimizer state is restored too. A tensor holding
// NaN or Inf is a ModelLoadError naming the file and the tensor.
LoadedModel load_model(const std::string& path, const std::string& expected_config = "", AdamState* adam = nullptr);

// "<dir>/model.ckpt-<step>.safetensors" for the highest step in `dir`, or "" when there is none.
std::string latest_checkpoint(const std::string& dir);
std::string checkpoint_path(const std::string& dir, int64_t step);
// Deletes all but the newest `keep` checkpoints in `dir`; keep <= 0 keeps them all (Magenta's
// max_to_keep 0).
void prune_checkpoints(const std::string& dir, int keep);
// Removes the "<checkpoint>.tmp.<pid>" files (common/atomic_file.h) that a killed writer left in
// `dir`: those whose process is gone. Returns how many it removed.
int remove_stale_checkpoint_temps(const std::string& dir);
// The first tensor of `buffer` holding NaN or Inf, as "NAME holds nan", or "" when all are finite.
std::string find_non_finite(const ParamBuffer& buffer, const std::string& prefix = "");

}  // namespace drumrnn

namespace drumrnn {
// Restores Adam's moments and step count from a checkpoint written with an AdamState (NaN or Inf
// is a ModelLoadError naming the file and the tensor).
void restore_optimizer(const std::string& path, AdamState& adam);
}  // namespace drumrnn
