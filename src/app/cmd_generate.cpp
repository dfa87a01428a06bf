// drumrnn generate: Magenta's drums_rnn_generate.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <random>

#include "app/commands.h"
#include "common/atomic_file.h"
#include "ml/beam_search.h"
#include "ml/checkpoint.h"
#include "ml/default_model.h"
#include "music/midi_io.h"
#include "music/primer.h"

namespace drumrnn {
namespace fs = std::filesystem;

namespace {

struct GenerateOptions {
  std::string config = "drum_kit", run_dir, model, output_dir = "generated", primer_drums, primer_midi;
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

int run_generate(const GenerateOptions& o) {
  if (o.num_outputs < 1) throw std::invalid_argument("--num_outputs must be at least 1");
  if (o.beam.temperature <= 0) throw std::invalid_argument("--temperature must be positive");
  if (!(o.qpm > 0)) throw std::invalid_argument("--qpm must be positive");
  const std::string path = resolve_model_path(o.run_dir, o.model);
  LoadedModel loaded = load_model(path, o.config);
  const DrumConfig& config = *loaded.model->shape().config;

  magenta::NoteSequence primer_ns;
  if (!o.primer_midi.empty()) {
    try {
      primer_ns = midi_file_to_note_sequence(o.primer_midi);
    } catch (const MidiError& e) {
      throw MidiError(o.primer_midi + ": " + e.what());
    }
  } else {
    const std::string text = o.primer_drums.empty() ? "[(36,)]" : o.primer_drums;  // Magenta's default: a kick
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
    std::printf("wrote %s (%zu steps, log-likelihood %.2f)\n", out.c_str(), track.events.size(), g.score);
  }
  std::printf("generated %d drum tracks with %s\n", o.num_outputs, path.c_str());
  return 0;
}

}  // namespace

Command add_generate_command(CLI::App& app) {
  auto* sub = app.add_subcommand("generate", "write drum tracks as MIDI (temperature, primer, beam search)");
  auto o = std::make_shared<GenerateOptions>();
  sub->add_option("--config", o->config, "drum_kit or one_drum (must match the model)")->default_val("drum_kit");
  auto* run = sub->add_option("--run_dir", o->run_dir, "use the newest checkpoint in RUN/train");
  sub->add_option("--model", o->model, "a model .safetensors file (default: the shipped Groove model)")->excludes(run);
  sub->add_option("--output_dir", o->output_dir, "where the .mid files go")->default_val("generated");
  sub->add_option("--num_outputs", o->num_outputs, "how many tracks")->default_val(10);
  sub->add_option("--num_steps", o->num_steps, "total length in steps, primer included")->default_val(128);
  sub->add_option("--primer_drums", o->primer_drums, "e.g. \"[(36,42),(),(42,)]\" (default: one kick)");
  sub->add_option("--primer_midi", o->primer_midi, "a MIDI file to continue (all channels count as drums)");
  sub->add_option("--temperature", o->beam.temperature, "softmax temperature (>1 wilder, <1 safer)")->default_val(1.0);
  sub->add_option("--beam_size", o->beam.beam_size, "beam search width")->default_val(1);
  sub->add_option("--branch_factor", o->beam.branch_factor, "branches per beam entry")->default_val(1);
  sub->add_option("--steps_per_iteration", o->beam.steps_per_iteration, "steps between prunings")->default_val(1);
  sub->add_option("--qpm", o->qpm, "tempo of the output (a primer MIDI's tempo wins)")->default_val(120);
  sub->add_option("--seed", o->seed, "the same seed gives the same files");
  return {sub, [o] { return run_generate(*o); }};
}

}  // namespace drumrnn
