// Times `convert` + `create-dataset` on a folder of MIDI (default: the Groove MIDI Dataset beside
// the checkout) and prints files/s and MB/s. Usage: bench_pipeline [MIDI_DIR] [--threads N] [--repeat R]
// Magenta's figures for the same job are in ../shared/spec/magenta-drums-facts.md §12 (convert 19 s +
// create-dataset 12 s on Groove, 2 cores); ../shared/tools/magenta_ref.sh reruns them beside ours.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <sys/utsname.h>
#include <thread>

#include "music/convert_job.h"
#include "music/dataset_job.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::string dir = fs::path(DRUMRNN_SOURCE_DIR) / ".." / "shared" / "data" / "groove";
  int threads = 0, repeat = 3;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = std::atoi(argv[++i]);
    else dir = argv[i];
  }
  if (!fs::is_directory(dir)) {
    std::fprintf(stderr, "bench_pipeline: %s is not a folder (get Groove from magenta.tensorflow.org/datasets/groove)\n",
                 dir.c_str());
    return 1;
  }
  const fs::path work = fs::temp_directory_path() / "drumrnn-bench-pipeline";
  fs::create_directories(work);
  utsname u{};
  uname(&u);
  std::printf("# bench_pipeline %s  (threads %d, hardware threads %u, %s %s)\n", dir.c_str(), threads,
              std::thread::hardware_concurrency(), u.sysname, u.machine);
  std::printf("%-6s %10s %10s %10s %12s %10s %10s\n", "run", "convert_s", "dataset_s", "total_s", "files/s",
              "MB/s", "examples");
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    drumrnn::ConvertOptions c;
    c.input_dir = dir;
    c.output_file = (work / "notes.tfrecord").string();
    c.recursive = true;
    c.threads = threads;
    const auto cs = drumrnn::convert_directory(c, drumrnn::silent_job());
    drumrnn::DatasetOptions d;
    d.input = c.output_file;
    d.output_dir = (work / "dataset").string();
    d.seed = 1;
    d.threads = threads;
    const auto ds = drumrnn::create_dataset(d, drumrnn::silent_job());
    const double total = cs.seconds + ds.seconds;
    best = std::min(best, total);
    std::printf("%-6d %10.3f %10.3f %10.3f %12.1f %10.2f %10zu\n", r + 1, cs.seconds, ds.seconds, total,
                cs.midi_files / total, cs.midi_bytes / 1e6 / total, ds.train_examples + ds.eval_examples);
  }
  std::printf("best total %.3f s; Magenta's reference on 2 cores: 45 s (x%.0f)\n", best, 45.0 / best);
  fs::remove_all(work);
  return 0;
}
