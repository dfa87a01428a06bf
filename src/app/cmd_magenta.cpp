// drumrnn import-magenta / export-magenta: Magenta drums_rnn checkpoints (a training run's TF V2
// checkpoint) and generator bundles (.mag) to drumrnn model files and back.
#include <cstdio>
#include <filesystem>

#include "app/commands.h"
#include "ml/checkpoint.h"
#include "ml/default_model.h"
#include "ml/magenta_io.h"
#include "ml/tf_checkpoint.h"

namespace drumrnn {
namespace fs = std::filesystem;

Command add_import_magenta_command(CLI::App& app) {
  auto* sub = app.add_subcommand("import-magenta", "Magenta drums_rnn checkpoint or .mag bundle -> drumrnn model file");
  struct Options {
    std::string run_dir, checkpoint, bundle_file, output, config, hparams;
  };
  auto o = std::make_shared<Options>();
  auto* run = sub->add_option("--run_dir", o->run_dir, "a Magenta run: the newest checkpoint in RUN/train (its `checkpoint` file)");
  auto* ckpt = sub->add_option("--checkpoint_file", o->checkpoint, "a checkpoint prefix, e.g. RUN/train/model.ckpt-100")->excludes(run);
  sub->add_option("--bundle_file", o->bundle_file, "a Magenta generator bundle (.mag)")->excludes(run)->excludes(ckpt);
  sub->add_option("--output", o->output, "the drumrnn model file to write (.safetensors, atomically)")->required();
  sub->add_option("--config", o->config, "drum_kit or one_drum (default: from the bundle or the input width)");
  sub->add_option("--hparams", o->hparams, "Magenta syntax: the run's training hparams to record (layer sizes come from the file)");
  return {sub, [=] {
            ModelSource source;
            if (!o->bundle_file.empty()) source = {ModelFormat::magenta_bundle, o->bundle_file};
            else if (!o->checkpoint.empty()) source = {ModelFormat::magenta_checkpoint, o->checkpoint};
            else if (!o->run_dir.empty()) source = {ModelFormat::magenta_checkpoint, tf_checkpoint_in_run_dir(o->run_dir)};
            else throw std::invalid_argument("give --run_dir, --checkpoint_file or --bundle_file");
            const std::string& where = source.path;
            MagentaModel m = read_magenta_model(source, o->config, o->hparams);
            std::map<std::string, std::string> extra = m.loaded.metadata;
            extra["imported_from"] = fs::path(where).filename().string();
            extra["imported_with"] = "drumrnn import-magenta";
            save_model(o->output, *m.loaded.model, m.loaded.hparams, m.loaded.step, m.adam.get(), extra);
            const int attn = m.loaded.hparams.attn_length;
            std::printf("wrote %s (%s, rnn_layer_sizes=%s%s, step %lld, %zu parameters%s) from %s\n", o->output.c_str(),
                        m.loaded.model->shape().config->name, layer_sizes_text(m.loaded.hparams.rnn_layer_sizes).c_str(),
                        attn > 0 ? (", attention over " + std::to_string(attn) + " steps").c_str() : "",
                        (long long)m.loaded.step, m.loaded.model->table().total(),
                        m.adam ? ", with Adam's state: train can resume from it" : "", where.c_str());
            return 0;
          }};
}

Command add_export_magenta_command(CLI::App& app) {
  auto* sub = app.add_subcommand("export-magenta", "drumrnn model -> Magenta drums_rnn run directory or .mag bundle");
  struct Options {
    std::string model, run_dir, bundle_file, description;
  };
  auto o = std::make_shared<Options>();
  sub->add_option("--model", o->model, "a drumrnn model or checkpoint (.safetensors; default: the shipped Groove model)");
  auto* run = sub->add_option("--run_dir", o->run_dir, "write RUN/train/model.ckpt-STEP.{index,data-00000-of-00001} and RUN/train/checkpoint");
  sub->add_option("--bundle_file", o->bundle_file, "write a .mag bundle for drums_rnn_generate --bundle_file")->excludes(run);
  sub->add_option("--bundle_description", o->description, "the bundle's description");
  return {sub, [=] {
            if (o->run_dir.empty() == o->bundle_file.empty()) throw std::invalid_argument("give --run_dir or --bundle_file");
            const std::string path = resolve_model_path("", o->model);
            AdamState* adam = nullptr;
            LoadedModel m = load_model(path);
            std::unique_ptr<AdamState> state;
            if (m.metadata.count("adam_step")) {
              state = std::make_unique<AdamState>(m.model->table());
              restore_optimizer(path, *state);
              adam = state.get();
            }
            const std::string config = m.model->shape().config->name;
            const std::string magenta_hparams = "rnn_layer_sizes=" + layer_sizes_text(m.hparams.rnn_layer_sizes) +
                                                ",attn_length=" + std::to_string(m.hparams.attn_length);
            if (!o->run_dir.empty()) {
              const fs::path train = fs::path(o->run_dir) / "train";
              fs::create_directories(train);
              const std::string name = "model.ckpt-" + std::to_string(m.step);
              write_tf_checkpoint_v2((train / name).string(), magenta_from_model(*m.model, m.step, adam));
              write_tf_checkpoint_state(train.string(), name);
              std::printf("wrote %s (%s, step %lld%s); Magenta generates from it with\n"
                          "  drums_rnn_generate --config=%s --run_dir=%s --hparams=\"%s\"\n",
                          (train / name).string().c_str(), config.c_str(), (long long)m.step,
                          adam ? ", with Adam's state" : "", config.c_str(), o->run_dir.c_str(), magenta_hparams.c_str());
            } else {
              save_magenta_bundle(o->bundle_file, *m.model, path, o->description);
              std::printf("wrote %s (%s, rnn_layer_sizes=%s); Magenta generates from it with\n"
                          "  drums_rnn_generate --bundle_file=%s\n",
                          o->bundle_file.c_str(), config.c_str(), layer_sizes_text(m.hparams.rnn_layer_sizes).c_str(),
                          o->bundle_file.c_str());
            }
            return 0;
          }};
}

}  // namespace drumrnn
