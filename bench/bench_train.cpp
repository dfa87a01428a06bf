// CPU training throughput for the seed's hparams (drum_kit, batch_size 64, rnn_layer_sizes [64,64],
// dropout keep 0.5): ours (CpuTrainer) and, when a Python with torch is found, PyTorch on the very
// same batches (bench/pytorch_train.py), in one table.
//
//   bench_train [--data training_drum_tracks.tfrecord] [--steps 20] [--warmup 3] [--batches 8]
//               [--threads 1,2] [--layers 64,64] [--batch-size 64] [--keep 0.5] [--device cpu|cuda]
//               [--python PYTHON | --no-pytorch] [--write-batches FILE] [--attn_length 0,32]
//
// --attn_length gives a row per window length (0 = no attention; Magenta's drum_kit uses 32) for
// each thread count: Magenta's AttentionCellWrapper around the first layer (ml/attention.h). The
// PyTorch rows have no attention (its nn.LSTM has none to offer).
//
// --device cuda times the CUDA trainer (one row; --threads is ignored) and PyTorch on the same GPU.
//
// Without --data, batches are synthetic with Groove-like lengths (uniform in [100, 511] steps).
// The batches go to a JSON file (per sequence: input classes and labels) that the PyTorch script
// reads; PYTHON defaults to $TORCH_PYTHON, else python3.
#include "bench_common.h"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <sys/utsname.h>
#include <thread>
#include <vector>

#include "ml/cpu_trainer.h"
#include "ml/trainer.h"
#include "ml/drum_rnn.h"
#include "ml/sequence_dataset.h"
#include "music/drum_encoding.h"

namespace {

using namespace drumrnn;

struct Options {
  std::string data;
  int steps = 20, warmup = 3, batches = 8, batch_size = 64;
  std::vector<int> threads;
  std::vector<int> layers{64, 64};
  std::vector<int> attn_lengths{0};
  float keep = 0.5f;
  std::string python;
  bool pytorch = true;
  std::string batches_file;
  std::string device = "cpu";
};

std::vector<int> parse_ints(const char* s) {
  std::vector<int> v;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) v.push_back(std::atoi(item.c_str()));
  return v;
}

// One training example as the classes it was encoded from: inputs[t] is the one-hot of step t,
// labels[t] the class of step t + 1. Enough to rebuild the drum_kit input rows exactly.
struct ClassSequence {
  std::vector<int> inputs, labels;
};

std::vector<std::vector<ClassSequence>> synthetic_batches(const Options& o, const DrumConfig& c) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> length(100, 511);
  // A few frequent drum masks, as in real tracks (silence, kick, snare, closed hat, kick+hat ...).
  const int vocab[] = {0, 0, 0, 1, 2, 4, 5, 6, 3, 8, 12, 260, 129, 511};
  std::uniform_int_distribution<size_t> pick(0, std::size(vocab) - 1);
  std::vector<std::vector<ClassSequence>> out(o.batches);
  for (auto& batch : out)
    for (int k = 0; k < o.batch_size; ++k) {
      ClassSequence s;
      const int n = length(rng);
      std::vector<int> events(n + 1);
      for (int& e : events) e = vocab[pick(rng)] % c.num_classes;
      s.inputs.assign(events.begin(), events.end() - 1);
      s.labels.assign(events.begin() + 1, events.end());
      batch.push_back(std::move(s));
    }
  return out;
}

std::vector<std::vector<ClassSequence>> dataset_batches(const Options& o, const DrumConfig& c) {
  const SequenceDataset data = load_sequence_examples(o.data, c.input_size, c.num_classes);
  BatchSampler sampler(data.examples(), o.batch_size, 7);
  std::vector<std::vector<ClassSequence>> out(o.batches);
  for (auto& batch : out)
    for (size_t e : sampler.next()) {
      ClassSequence s;
      for (int t = 0; t < data.lengths[e]; ++t) {
        const size_t row = data.first_step[e] + t;
        int cls = -1;
        for (int j = data.steps.row_start[row]; j < data.steps.row_start[row + 1]; ++j)
          if (data.steps.index[j] < c.num_classes && data.steps.value[j] == 1.0f) cls = data.steps.index[j];
        if (cls < 0) throw std::runtime_error("a step without a one-hot class: not a drum_kit dataset?");
        s.inputs.push_back(cls);
        s.labels.push_back(data.labels[row]);
      }
      batch.push_back(std::move(s));
    }
  return out;
}

PackedBatch pack(const std::vector<ClassSequence>& seqs, const DrumConfig& c) {
  SequenceDataset d;
  d.input_size = c.input_size;
  d.steps.clear(c.input_size);
  std::vector<float> row(c.input_size);
  for (const ClassSequence& s : seqs) {
    d.first_step.push_back(d.labels.size());
    d.lengths.push_back(int(s.inputs.size()));
    for (size_t t = 0; t < s.inputs.size(); ++t) {
      drum_input_vector_from_class(c, s.inputs[t], t, row.data());
      d.steps.add_row(row.data(), c.input_size);
      d.labels.push_back(s.labels[t]);
    }
  }
  std::vector<size_t> all(d.examples());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return make_batch(d, all);
}

void write_batches(const std::string& path, const std::vector<std::vector<ClassSequence>>& batches,
                   const Options& o) {
  nlohmann::json doc;
  doc["config"] = "drum_kit";
  doc["layer_sizes"] = o.layers;
  doc["dropout_keep_prob"] = o.keep;
  doc["source"] = o.data.empty() ? "synthetic, lengths uniform in [100, 511]" : o.data;
  for (const auto& b : batches) {
    nlohmann::json jb = nlohmann::json::array();
    for (const auto& s : b) jb.push_back({{"inputs", s.inputs}, {"labels", s.labels}});
    doc["batches"].push_back(jb);
  }
  std::ofstream(path) << doc.dump();
}

struct Row {
  std::string impl;
  int threads;
  double steps_per_s, tokens_per_s, ms_per_step;
};

// threads 0 = a GPU row.
void print_row(const Row& r) {
  const std::string threads = r.threads > 0 ? std::to_string(r.threads) : "gpu";
  std::printf("%-44s %7s %10.2f %12.0f %10.1f\n", r.impl.c_str(), threads.c_str(), r.steps_per_s, r.tokens_per_s,
              r.ms_per_step);
}

}  // namespace

int main(int argc, char** argv) {
  using drumrnn::bench::cpu_model;
  using drumrnn::bench::shell_quote;
  Options o;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  o.threads = cores > 1 ? std::vector<int>{1, int(cores)} : std::vector<int>{1};
  if (const char* p = std::getenv("TORCH_PYTHON")) o.python = p;
  if (o.python.empty()) o.python = "python3";
  std::string command = argv[0];
  for (int i = 1; i < argc; ++i) {
    command += std::string(" ") + argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_train: %s needs a value\n", argv[i]);
        std::exit(2);
      }
      command += std::string(" ") + argv[i + 1];
      return argv[++i];
    };
    const std::string a = argv[i];
    if (a == "--data") o.data = next();
    else if (a == "--steps") o.steps = std::atoi(next());
    else if (a == "--warmup") o.warmup = std::atoi(next());
    else if (a == "--batches") o.batches = std::max(1, std::atoi(next()));
    else if (a == "--batch-size") o.batch_size = std::atoi(next());
    else if (a == "--threads") o.threads = parse_ints(next());
    else if (a == "--layers") o.layers = parse_ints(next());
    else if (a == "--attn_length") o.attn_lengths = parse_ints(next());
    else if (a == "--keep") o.keep = float(std::atof(next()));
    else if (a == "--python") o.python = next();
    else if (a == "--no-pytorch") o.pytorch = false;
    else if (a == "--write-batches") o.batches_file = next();
    else if (a == "--device") o.device = next();
    else {
      std::fprintf(stderr, "usage: see the comment at the top of bench/bench_train.cpp\n");
      return 2;
    }
  }
  const DrumConfig& c = drum_config("drum_kit");
  const auto batches = o.data.empty() ? synthetic_batches(o, c) : dataset_batches(o, c);
  std::vector<PackedBatch> packed;
  double tokens = 0;
  for (const auto& b : batches) {
    packed.push_back(pack(b, c));
    tokens += packed.back().rows();
  }
  tokens /= double(packed.size());

  utsname u{};
  uname(&u);
  std::string layers;
  for (int h : o.layers) layers += (layers.empty() ? "" : ",") + std::to_string(h);
  std::printf("# %s\n", command.c_str());
  std::printf("# machine: %s %s %s, %s, %u hardware threads\n", u.sysname, u.release, u.machine, cpu_model().c_str(),
              cores);
  std::printf("# drum_kit, batch_size %d, rnn_layer_sizes [%s], dropout keep %.2f; %d batches from %s, "
              "%.0f real steps (tokens) per batch on average; %d warm-up + %d timed steps per row\n",
              o.batch_size, layers.c_str(), o.keep, o.batches, o.data.empty() ? "synthetic data" : o.data.c_str(),
              tokens, o.warmup, o.steps);
  std::printf("%-44s %7s %10s %12s %10s\n", "implementation", "threads", "steps/s", "tokens/s", "ms/step");

  const bool gpu = o.device == "cuda";
  if (!gpu && o.device != "cpu") {
    std::fprintf(stderr, "bench_train: --device must be cpu or cuda, got %s\n", o.device.c_str());
    return 2;
  }
  for (int threads : gpu ? std::vector<int>{0} : o.threads)
  for (int attn : o.attn_lengths) {
    DrumRnn model(DrumRnnShape{&c, o.layers, attn});
    model.init_glorot(1);
    TrainOptions opts;
    opts.dropout_keep_prob = o.keep;
    opts.seed = 1;
    opts.threads = threads;
    std::unique_ptr<Trainer> trainer;
    try {
      trainer = make_trainer(gpu ? Device::cuda : Device::cpu, model, opts);
    } catch (const DeviceError& e) {
      std::fprintf(stderr, "bench_train: %s\n", e.what());
      return 1;
    }
    if (gpu) std::printf("# %s\n", trainer->device_name().c_str());
    // train_step returns the step's loss, so each step ends synchronized with the device.
    for (int k = 0; k < o.warmup; ++k) trainer->train_step(packed[k % packed.size()]);
    double real = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < o.steps; ++k) {
      const PackedBatch& b = packed[k % packed.size()];
      trainer->train_step(b);
      real += b.rows();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string name = gpu ? "drumrnn CudaTrainer (cuDNN, packed)" : "drumrnn CpuTrainer (packed, sparse input)";
    if (attn > 0) name = gpu ? "drumrnn CudaTrainer, attention " + std::to_string(attn)
                             : "drumrnn CpuTrainer, attention " + std::to_string(attn);
    print_row({name, threads, o.steps / s, real / s, 1e3 * s / o.steps});
    std::fflush(stdout);
  }

  if (!o.pytorch && o.batches_file.empty()) return 0;
  const std::string file = o.batches_file.empty()
                               ? (std::filesystem::temp_directory_path() / "drumrnn-bench-train-batches.json").string()
                               : o.batches_file;
  write_batches(file, batches, o);
  if (!o.pytorch) return 0;
  const std::string script = std::string(DRUMRNN_SOURCE_DIR) + "/bench/pytorch_train.py";
  const std::string probe = gpu ? "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" : "import torch";
  if (std::system((shell_quote(o.python) + " -c " + shell_quote(probe) + " 2>/dev/null").c_str()) != 0) {
    std::printf("# PyTorch rows skipped: %s cannot import torch%s (set TORCH_PYTHON or --python)\n", o.python.c_str(),
                gpu ? " with CUDA" : "");
    return 0;
  }
  std::string threads;
  for (int t : o.threads) threads += (threads.empty() ? "" : ",") + std::to_string(t);
  const std::string cmd = shell_quote(o.python) + " " + shell_quote(script) + " --batches " + shell_quote(file) +
                          " --steps " + std::to_string(o.steps) + " --warmup " + std::to_string(o.warmup) +
                          " --threads " + threads + " --rows-only" +
                          (gpu ? " --device cuda --variants eager" : "");
  std::fflush(stdout);
  const int rc = std::system(cmd.c_str());  // prints rows in this table's format
  if (o.batches_file.empty()) std::filesystem::remove(file);
  return rc == 0 ? 0 : 1;
}
