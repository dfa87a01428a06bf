// drumrnn export-model: a training checkpoint -> a plain model file (weights and metadata, no
// optimizer state), e.g. to ship or to hand to Python.
#include <cstdio>
#include <filesystem>

#include "app/commands.h"
#include "ml/checkpoint.h"
#include "ml/default_model.h"
#include "ml/magenta_io.h"

namespace drumrnn {

Command add_export_model_command(CLI::App& app) {
  auto* sub = app.add_subcommand("export-model", "checkpoint -> model file without optimizer state");
  auto run_dir = std::make_shared<std::string>();
  auto checkpoint = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto notes = std::make_shared<std::vector<std::string>>();
  auto* run = sub->add_option("--run_dir", *run_dir, "use the newest checkpoint in RUN/train");
  sub->add_option("--checkpoint", *checkpoint, "a checkpoint .safetensors file")->excludes(run);
  sub->add_option("--output", *output, "the model file to write (atomically)")->required();
  sub->add_option("--metadata", *notes, "KEY=VALUE to add to __metadata__ (repeatable), e.g. data credits");
  return {sub, [=] {
            if (run_dir->empty() && checkpoint->empty()) throw std::invalid_argument("give --run_dir or --checkpoint");
            LoadedModel m = load_any_model(*run_dir, *checkpoint);
            const std::string path = m.path;
            std::map<std::string, std::string> extra = m.metadata;
            // The file travels: keep where it came from (run, step, dataset name) but no path of this
            // machine. Checkpoints of older builds recorded the dataset's absolute path.
            for (auto& [key, value] : extra)
              if (std::filesystem::path(value).is_absolute()) value = std::filesystem::path(value).filename().string();
            extra["exported_from"] = std::filesystem::path(path).filename().string();
            extra.erase("adam_step");
            for (const auto& kv : *notes) {
              const auto eq = kv.find('=');
              if (eq == std::string::npos || eq == 0) throw std::invalid_argument("--metadata wants KEY=VALUE, got " + kv);
              extra[kv.substr(0, eq)] = kv.substr(eq + 1);
            }
            save_model(*output, *m.model, m.hparams, m.step, nullptr, extra);
            std::printf("wrote %s (%s, step %lld, %zu parameters)\n", output->c_str(), m.model->shape().config->name,
                        (long long)m.step, m.model->table().total());
            return 0;
          }};
}

}  // namespace drumrnn
