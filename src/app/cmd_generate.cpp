// drumrnn generate: Magenta's drums_rnn_generate, with its flags and defaults (facts §8), plus
// --model (default: the shipped Groove model) and --seed. The model may be drumrnn's or Magenta's
// (a .mag bundle, a TF run directory or checkpoint prefix), and --save_generator_bundle writes the
// model as a bundle instead of generating, as Magenta does.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <random>

#include "app/commands.h"
#include "app/magenta_flags.h"
#include "common/atomic_file.h"
#include "ml/beam_search.h"
#include "ml/checkpoint.h"
#include "ml/hparams.h"
#include "ml/magenta_io.h"
#include "music/midi_io.h"
#include "music/primer.h"

namespace drumrnn {
namespace fs = std::filesystem;

namespace {

struct GenerateOptions {
  std::string config, run_dir, checkpoint_file, model, hparams, primer_drums, primer_midi;
  std::string output_dir = "/tmp/drums_rnn/generated";  // Magenta's default
  std::string bundle_file, bundle_description, generator_id, generator_description;
  bool save_generator_bundle = false;
  LogLevel log = LogLevel::info;
  int num_outputs = 10;
  int64_t num_steps = 128;
  double qpm = 120;
  BeamOptions beam;
  std::optional<uint64_t> seed;
};

// <YYYY-MM-DD_HHMMSS>_<i>.mid, i zero-padded to the digits of num_outputs (Magenta's names).
std::string output_name(const std::string& stamp, int i, int n) {
  const int digits = static_cast<int>(std::to_string(n).size());
  char index[32];
  std::snprintf(index, sizeof index, "%0*d", digits, i);
  return stamp + "_" + index + ".mid";
}

// Magenta builds the graph from --hparams and then loads the checkpoint into it, so the structural
// hparams must describe the model; the others (batch_size, dropout, learning rate, clipping) do
// not change generation and are accepted as they are.
void check_hparams_against_model(const std::string& text, const LoadedModel& m) {
  if (text.empty()) return;
  const HParams h = parse_hparams(text, m.hparams);
  const std::vector<int>& layers = m.model->shape().layer_sizes;
  auto disagree = [&](const std::string& name, const std::string& given, const std::string& model) {
    throw HParamsError("--hparams " + name + "=" + given + " disagrees with the model's " + name + "=" + model +
                       " (" + m.path + ")");
  };
  if (h.rnn_layer_sizes != layers) disagree("rnn_layer_sizes", layer_sizes_text(h.rnn_layer_sizes), layer_sizes_text(layers));
  if (h.attn_length != m.hparams.attn_length)
    disagree("attn_length", std::to_string(h.attn_length), std::to_string(m.hparams.attn_length));
  if (h.residual_connections != m.hparams.residual_connections)
    disagree("residual_connections", h.residual_connections ? "true" : "false",
             m.hparams.residual_connections ? "true" : "false");
}

// Magenta's --run_dir wins over --checkpoint_file; --model is drumrnn's own name for a model file.
// --bundle_file names the model unless --save_generator_bundle makes it the file to write.
ModelSource model_source(const GenerateOptions& o) {
  if (!o.bundle_file.empty() && !o.save_generator_bundle) {
    if (!o.run_dir.empty() || !o.checkpoint_file.empty() || !o.model.empty())
      throw std::invalid_argument("give --bundle_file or --run_dir/--checkpoint_file/--model, not both "
                                  "(--bundle_file is the bundle to write only with --save_generator_bundle)");
    return {ModelFormat::magenta_bundle, o.bundle_file};
  }
  if (!o.run_dir.empty()) return resolve_model_source(o.run_dir, "");
  return resolve_model_source("", o.checkpoint_file.empty() ? o.model : o.checkpoint_file);
}

// Magenta's --save_generator_bundle: the model, as a bundle, to --bundle_file; nothing generated.
int save_generator_bundle(const GenerateOptions& o, const LoadedModel& loaded) {
  const std::string config = loaded.model->shape().config->name;
  if (!o.generator_id.empty() && o.generator_id != config)
    throw std::invalid_argument("--generator_id " + o.generator_id + ": " + loaded.path + " is a " + config +
                                " model, and a bundle's id names its config (Magenta reads the bundle with it)");
  save_magenta_bundle(o.bundle_file, *loaded.model, loaded.path, o.bundle_description, o.generator_description);
  // Magenta warns before writing; here after, so that a failed save stays one line.
  if (o.bundle_description.empty() && o.log <= LogLevel::warn)
    std::fprintf(stderr, "warning: no bundle description provided (--bundle_description)\n");
  if (o.log <= LogLevel::info)
    std::printf("wrote %s (%s, rnn_layer_sizes=%s%s) from %s\n", o.bundle_file.c_str(), config.c_str(),
                layer_sizes_text(loaded.hparams.rnn_layer_sizes).c_str(),
                loaded.hparams.attn_length > 0 ? (", attn_length=" + std::to_string(loaded.hparams.attn_length)).c_str() : "",
                loaded.path.c_str());
  return 0;
}

int run_generate(const GenerateOptions& o) {
  if (o.save_generator_bundle && o.bundle_file.empty())
    throw std::invalid_argument("--save_generator_bundle needs --bundle_file, the bundle to write");
  if (!o.save_generator_bundle) {  // Magenta reads the generation flags only when it generates
    if (o.num_outputs < 1) throw std::invalid_argument("--num_outputs must be at least 1");
    if (o.beam.temperature <= 0) throw std::invalid_argument("--temperature must be positive");
    if (!(o.qpm > 0)) throw std::invalid_argument("--qpm must be positive");
  }
  const ModelSource source = model_source(o);
  const std::string& path = source.path;
  LoadedModel loaded = load_model_source(source, o.config, o.hparams);
  check_hparams_against_model(o.hparams, loaded);
  if (o.save_generator_bundle) return save_generator_bundle(o, loaded);
  const DrumConfig& config = *loaded.model->shape().config;

  // As in Magenta: --primer_drums wins over --primer_midi; with neither, a single kick.
  magenta::NoteSequence primer_ns;
  if (o.primer_drums.empty() && !o.primer_midi.empty()) {
    try {
      primer_ns = midi_file_to_note_sequence(o.primer_midi);
    } catch (const MidiError& e) {
      throw MidiError(o.primer_midi + ": " + e.what());
    }
  } else {
    const std::string text = o.primer_drums.empty() ? "[(36,)]" : o.primer_drums;
    DrumTrack t;
    t.events = parse_primer_drums(text, config);
    t.steps_per_quarter = config.steps_per_quarter;
    primer_ns = drum_track_to_sequence(t, o.qpm);
  }
  const GenerationPlan plan = plan_generation(primer_ns, config, o.qpm, o.num_steps);
  std::vector<int> primer;
  for (const auto& e : plan.primer.events) primer.push_back(encode_drum_event(config, e));

  std::error_code ec;
  fs::create_directories(o.output_dir, ec);
  if (!fs::is_directory(o.output_dir)) throw IoError("cannot create output folder " + o.output_dir);
  std::mt19937_64 rng(o.seed ? *o.seed : std::random_device{}());
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d_%H%M%S", std::localtime(&now));
  for (int i = 1; i <= o.num_outputs; ++i) {
    const GeneratedSequence g = generate_classes(*loaded.model, primer, plan.total_steps, o.beam, rng);
    DrumTrack track = plan.primer;
    track.events.clear();
    for (int c : g.classes) track.events.push_back(decode_drum_class(config, c));
    // The primer's own events are kept as given (all their pitches), as Magenta does.
    for (size_t k = 0; k < plan.primer.events.size(); ++k) track.events[k] = plan.primer.events[k];
    const std::string out = (fs::path(o.output_dir) / output_name(stamp, i, o.num_outputs)).string();
    write_midi_file(out, drum_track_to_sequence(track, plan.qpm));
    if (o.log <= LogLevel::info)
      std::printf("wrote %s (%zu steps, log-likelihood %.2f)\n", out.c_str(), track.events.size(), g.score);
  }
  if (o.log <= LogLevel::info) std::printf("generated %d drum track%s with %s\n", o.num_outputs, o.num_outputs == 1 ? "" : "s", path.c_str());
  return 0;
}

}  // namespace

Command add_generate_command(CLI::App& app) {
  auto* sub = app.add_subcommand("generate", "write drum tracks as MIDI (temperature, primer, beam search)");
  auto o = std::make_shared<GenerateOptions>();
  sub->add_option("--config", o->config, "drum_kit or one_drum (default: the model's; when given, must match it)");
  sub->add_option("--hparams", o->hparams,
                  "Magenta syntax; rnn_layer_sizes etc. must match the model; a Magenta attention model's attn_length");
  add_generator_detail_flags(sub, o->generator_id, o->generator_description);
  sub->add_option("--run_dir", o->run_dir,
                  "the newest checkpoint in RUN/train: drumrnn's, else a Magenta run's (RUN/train/checkpoint); "
                  "wins over --checkpoint_file");
  auto* ckpt = sub->add_option("--checkpoint_file", o->checkpoint_file,
                               "a drumrnn checkpoint or model .safetensors file, or a Magenta TF checkpoint prefix "
                               "(RUN/train/model.ckpt-N)");
  sub->add_option("--model", o->model, "a model .safetensors file (default: the shipped Groove model)")->excludes(ckpt);
  sub->add_option("--bundle_file", o->bundle_file,
                  "a Magenta .mag bundle to generate from (config from its id); with --save_generator_bundle, the bundle to write")
      ->group("Magenta bundle flags");
  sub->add_flag("--save_generator_bundle", o->save_generator_bundle,
                "write the model (--run_dir, --checkpoint_file or --model) as a .mag bundle to --bundle_file and "
                "generate nothing")
      ->group("Magenta bundle flags");
  sub->add_option("--bundle_description", o->bundle_description, "the bundle's description (--save_generator_bundle)")
      ->group("Magenta bundle flags");
  sub->add_option("--output_dir", o->output_dir, "where the .mid files go")->default_val("/tmp/drums_rnn/generated");
  sub->add_option("--num_outputs", o->num_outputs, "how many tracks")->default_val(10);
  sub->add_option("--num_steps", o->num_steps, "total length in 16th-note steps, primer included")->default_val(128);
  sub->add_option("--primer_drums", o->primer_drums, "e.g. \"[(36,42),(),(42,)]\" (wins over --primer_midi; default: one kick)");
  sub->add_option("--primer_midi", o->primer_midi, "a MIDI file to continue (all channels count as drums)");
  sub->add_option("--qpm", o->qpm, "tempo of the output (a primer MIDI's tempo wins)")->default_val(120);
  sub->add_option("--temperature", o->beam.temperature, "softmax temperature (>1 wilder, <1 safer)")->default_val(1.0);
  sub->add_option("--beam_size", o->beam.beam_size, "beam search width")->default_val(1);
  sub->add_option("--branch_factor", o->beam.branch_factor, "branches per beam entry")->default_val(1);
  sub->add_option("--steps_per_iteration", o->beam.steps_per_iteration, "steps between prunings")->default_val(1);
  add_log_flag(sub, o->log);
  sub->add_option("--seed", o->seed, "the same seed gives the same files");
  return {sub, [o] { return run_generate(*o); }};
}

}  // namespace drumrnn
