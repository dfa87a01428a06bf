// drumrnn evaluate: Magenta's eval metrics for one model over a whole SequenceExample file.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "ml/checkpoint.h"
#include "ml/default_model.h"
#include "ml/evaluation.h"
#include "ml/sequence_dataset.h"
#include "ml/magenta_io.h"

namespace drumrnn {

namespace {
struct EvaluateOptions {
  std::string run_dir, model, file;
  bool json = false;
  int batch_size = 64;
};
}  // namespace

Command add_evaluate_command(CLI::App& app) {
  auto* sub = app.add_subcommand("evaluate", "loss, perplexity and accuracies of a model on SequenceExamples");
  auto o = std::make_shared<EvaluateOptions>();
  auto* run = sub->add_option("--run_dir", o->run_dir, "use the newest checkpoint in RUN/train");
  sub->add_option("--model", o->model, "a model .safetensors file, a Magenta .mag bundle or TF checkpoint prefix (default: the shipped Groove model)")->excludes(run);
  sub->add_option("--sequence_example_file", o->file, "TFRecord of SequenceExamples (a glob works)")->required();
  sub->add_flag("--json", o->json, "print one JSON object");
  return {sub, [o] {
            LoadedModel m = load_any_model(o->run_dir, o->model);
            const std::string path = m.path;
            const DrumConfig& config = *m.model->shape().config;
            const SequenceDataset data = load_sequence_examples(o->file, config.input_size, config.num_classes);
            if (data.examples() == 0) throw DatasetError(o->file + ": no examples to evaluate");
            TrainOptions topt;
            auto trainer = make_trainer(Device::cpu, *m.model, topt);
            const XentTotals t = evaluate_dataset(*trainer, data, o->batch_size);
            if (o->json) {
              nlohmann::json j = {{"model", path},         {"config", config.name},    {"step", m.step},
                                  {"file", o->file},       {"examples", data.examples()}, {"steps", t.steps}};
              for (const auto& [tag, value] : metric_values(t)) j[tag.substr(tag.rfind('/') + 1)] = value;
              std::printf("%s\n", j.dump().c_str());
            } else {
              std::printf("%s (%s, step %lld) on %s: %zu examples, %lld steps\n", path.c_str(), config.name,
                          (long long)m.step, o->file.c_str(), data.examples(), (long long)t.steps);
              for (const auto& [tag, value] : metric_values(t)) std::printf("  %-28s %.4f\n", tag.c_str(), value);
            }
            return 0;
          }};
}

}  // namespace drumrnn
