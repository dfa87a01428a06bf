// End to end through the drumrnn binary, with MIDI fixtures made by the project's own writer.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <regex>
#include <unistd.h>

#include "common/atomic_file.h"
#include "independent_reader.h"
#include "music/convert_job.h"
#include "music/dataset_job.h"
#include "music/midi_io.h"
#include "test_support.h"

using namespace drumrnn;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  double qpm = 120;
  int numerator = 4, denominator = 4;
  std::vector<std::pair<double, double>> tempo_changes;  // (time, qpm) after the first
};

// A drum pattern: kick on every beat, closed hat on every 16th, for `steps` 16th-note steps,
// leaving out steps in [gap_from, gap_to). Plus a piano part that the pipeline must ignore.
magenta::NoteSequence groove(int steps, const Fixture& f = {}, int gap_from = -1, int gap_to = -1) {
  magenta::NoteSequence ns;
  ns.set_ticks_per_quarter(480);
  auto* t = ns.add_tempos();
  t->set_qpm(f.qpm);
  for (auto [time, qpm] : f.tempo_changes) {
    auto* c = ns.add_tempos();
    c->set_time(time);
    c->set_qpm(qpm);
  }
  auto* ts = ns.add_time_signatures();
  ts->set_numerator(f.numerator);
  ts->set_denominator(f.denominator);
  const double step = 60.0 / f.qpm / 4;
  for (int s = 0; s < steps; ++s) {
    if (s >= gap_from && s < gap_to) continue;
    for (int pitch : {42, s % 4 == 0 ? 36 : -1}) {
      if (pitch < 0) continue;
      auto* n = ns.add_notes();
      n->set_pitch(pitch);
      n->set_velocity(80);
      n->set_start_time(s * step);
      n->set_end_time(s * step + step / 2);
      n->set_is_drum(true);
      n->set_instrument(9);
    }
    auto* piano = ns.add_notes();
    piano->set_pitch(60);
    piano->set_velocity(70);
    piano->set_start_time(s * step);
    piano->set_end_time(s * step + step);
    piano->set_instrument(0);
    ns.set_total_time(s * step + step);
  }
  return ns;
}

std::vector<test::DecodedExample> read_examples(const std::string& path) {
  std::vector<test::DecodedExample> out;
  for (const auto& rec : test::read_records_independently(read_file(path)))
    out.push_back(test::decode_sequence_example(rec));
  return out;
}

std::multiset<size_t> lengths(const std::vector<test::DecodedExample>& examples) {
  std::multiset<size_t> out;
  for (const auto& e : examples) out.insert(e.labels.size());
  return out;
}

// Records what a job reports; cancels once it has seen `cancel_after` progress calls of `cancel_stage`.
struct RecordingObserver : JobObserver {
  std::vector<std::pair<std::string, bool>> messages;
  std::vector<std::tuple<std::string, int64_t, int64_t>> progress;
  std::string cancel_stage;
  size_t cancel_after = 0;
  void on_progress(const JobProgress& p) override {
    progress.emplace_back(std::string(p.stage), p.done, p.total);
    if (!cancel_stage.empty() && p.stage == cancel_stage && ++seen_ >= cancel_after) cancel();
  }
  void on_message(std::string_view line, bool error) override { messages.emplace_back(std::string(line), error); }

 private:
  size_t seen_ = 0;
};

// Runs `f` with stdout and stderr sent to a file; returns what was written there.
template <typename F>
std::string captured_output(const test::TempDir& dir, F f) {
  std::fflush(stdout);
  std::fflush(stderr);
  const int saved_out = ::dup(1), saved_err = ::dup(2);
  const int sink = ::open(dir.str("captured.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(sink, 1);
  ::dup2(sink, 2);
  ::close(sink);
  try {
    f();
  } catch (...) {
    std::fflush(stdout);
    ::dup2(saved_out, 1);
    ::dup2(saved_err, 2);
    throw;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  ::dup2(saved_out, 1);
  ::dup2(saved_err, 2);
  ::close(saved_out);
  ::close(saved_err);
  return read_file(dir.str("captured.txt"));
}

size_t entries_in(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("create-dataset on a MIDI folder: meters, tempo changes, gaps, short and long tracks", "[music]") {
  test::TempDir dir;
  fs::create_directories(dir.path() / "midi" / "sub");
  write_midi_file(dir.str("midi/eight_bars.mid"), groove(128));                      // 128 events -> 127 steps
  write_midi_file(dir.str("midi/short.mid"), groove(6 * 16));                        // 6 bars: discarded
  write_midi_file(dir.str("midi/sub/long.mid"), groove(40 * 16));                    // 640 steps: truncated to 512
  write_midi_file(dir.str("midi/gap.mid"), groove(20 * 16, {}, 8 * 16, 10 * 16));    // 2 silent bars: 2 tracks
  write_midi_file(dir.str("midi/waltz.mid"), groove(12 * 8, {120, 3, 4}));           // 8 bars of 3/4: 12 steps/bar
  Fixture change;
  change.tempo_changes = {{16.0, 90.0}};  // 8 bars at 120, then 90 qpm
  // 8 bars at 120 qpm, then 32 s of 120's 16ths heard at 90 qpm: 192 steps of the new grid.
  write_midi_file(dir.str("midi/tempo_change.mid"), groove(16 * 8 + 16 * 16, change));
  test::write_bytes(dir.str("midi/notes.txt"), "not midi");

  const auto r = test::run_drumrnn({"create-dataset", "--config", "drum_kit", "--input", dir.str("midi"),
                                    "--output_dir", dir.str("out"), "--eval_ratio", "0", "--seed", "1"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("Processed 6 inputs total."));
  CHECK_THAT(r.out, Catch::Contains("DAGPipeline_DrumsExtractor_training_drum_tracks_truncated: 1"));
  const auto train = read_examples(dir.str("out/training_drum_tracks.tfrecord"));
  CHECK(read_examples(dir.str("out/eval_drum_tracks.tfrecord")).empty());

  // eight_bars 127, long 511, gap 127 + 159, waltz 95, tempo_change 127 + about 191.
  const auto got = lengths(train);
  CHECK(got.count(127) == 3);
  CHECK(got.count(511) == 1);
  CHECK(got.count(95) == 1);
  CHECK(got.count(159) == 1);
  CHECK(got.size() == 7);  // eight_bars, long, gap x2, waltz, tempo_change x2
  for (const auto& ex : train) {
    REQUIRE(ex.inputs.size() == ex.labels.size());
    for (size_t i = 0; i < ex.labels.size(); ++i) {
      REQUIRE(ex.inputs[i].size() == 518);
      // inputs[i+1] is the one-hot of the event that labels[i] names: the shift by one.
      if (i + 1 < ex.labels.size()) REQUIRE(ex.inputs[i + 1][ex.labels[i]] == 1.0f);
      for (int b = 0; b < 6; ++b) REQUIRE(ex.inputs[i][512 + b] == ((((i + 1) >> b) & 1) ? 1.0f : -1.0f));
    }
    // Every track starts on a kick + hat (class 1 | 4) and alternates kick-beats with hat-only steps.
    CHECK(ex.inputs[0][5] == 1.0f);
  }
}

TEST_CASE("convert writes one NoteSequence per MIDI file and skips a corrupt one", "[music]") {
  test::TempDir dir;
  fs::create_directories(dir.path() / "midi" / "deeper");
  write_midi_file(dir.str("midi/a.mid"), groove(32));
  write_midi_file(dir.str("midi/deeper/b.MIDI"), groove(16));
  test::write_bytes(dir.str("midi/broken.mid"), "MThd\x00\x00\x00\x06garbage");
  auto r = test::run_drumrnn({"convert", "--input_dir", dir.str("midi"), "--output_file", dir.str("n.tfrecord")});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("skipped broken.mid"));
  CHECK(test::read_records_independently(read_file(dir.str("n.tfrecord"))).size() == 1);
  r = test::run_drumrnn(
      {"convert", "--input_dir", dir.str("midi"), "--output_file", dir.str("n.tfrecord"), "--recursive"});
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("converted 2 of 3"));
  const auto records = test::read_records_independently(read_file(dir.str("n.tfrecord")));
  REQUIRE(records.size() == 2);
  // NoteSequence.filename (field 2) is the path relative to the input folder.
  std::set<std::string> names;
  for (const auto& rec : records)
    for (const auto& f : test::wire_fields(rec))
      if (f.number == 2) names.insert(f.bytes);
  CHECK(names == std::set<std::string>{"a.mid", "deeper/b.MIDI"});
}

TEST_CASE("bad input: each case is one line of error and a non-zero exit, with no output left", "[music]") {
  test::TempDir dir;
  fs::create_directories(dir.path() / "empty");
  fs::create_directories(dir.path() / "text");
  test::write_bytes(dir.str("text/readme.txt"), "hello");
  fs::create_directories(dir.path() / "midi");
  write_midi_file(dir.str("midi/a.mid"), groove(128));

  test::check_one_line_error(test::run_drumrnn({"convert", "--input_dir", dir.str("empty"), "--output_file", dir.str("o.tfrecord")}),
                       "no .mid or .midi files");
  test::check_one_line_error(test::run_drumrnn({"convert", "--input_dir", dir.str("text"), "--output_file", dir.str("o.tfrecord")}),
                       "no .mid or .midi files");
  test::check_one_line_error(test::run_drumrnn({"convert", "--input_dir", dir.str("nope"), "--output_file", dir.str("o.tfrecord")}),
                       "nope");
  CHECK_FALSE(fs::exists(dir.path() / "o.tfrecord"));
  test::write_bytes(dir.str("blocker"), "a file where a folder should be");
  test::check_one_line_error(test::run_drumrnn({"convert", "--input_dir", dir.str("midi"), "--output_file", dir.str("blocker/o.tfrecord")}),
                       "blocker/o.tfrecord");
  test::check_one_line_error(test::run_drumrnn({"convert", "--input_dir", dir.str("midi")}), "--output_file");
  test::check_one_line_error(test::run_drumrnn({"create-dataset", "--config", "drum_set", "--input", dir.str("midi"),
                                          "--output_dir", dir.str("out")}),
                       "unknown config 'drum_set'");
  test::check_one_line_error(test::run_drumrnn({"create-dataset", "--input", dir.str("missing.tfrecord"), "--output_dir", dir.str("out")}),
                       "missing.tfrecord");
  test::check_one_line_error(test::run_drumrnn({"create-dataset", "--input", dir.str("empty"), "--output_dir", dir.str("out")}),
                       "no .mid or .midi files");
  test::check_one_line_error(test::run_drumrnn({"create-dataset", "--input", dir.str("midi"), "--output_dir", dir.str("blocker")}),
                       "blocker");
  test::check_one_line_error(test::run_drumrnn({"create-dataset", "--input", dir.str("midi"), "--output_dir", dir.str("out"),
                                          "--eval_ratio", "1.5"}),
                       "eval_ratio");
  test::write_bytes(dir.str("corrupt.tfrecord"), std::string(40, '\x07'));
  test::check_one_line_error(test::run_drumrnn({"create-dataset", "--input", dir.str("corrupt.tfrecord"), "--output_dir", dir.str("out2")}),
                       "corrupt.tfrecord");
  CHECK_FALSE(fs::exists(dir.path() / "out2" / "training_drum_tracks.tfrecord"));
}

TEST_CASE("drumrnn with no subcommand lists every subcommand", "[music]") {
  // Every add_subcommand("NAME", ...) in src/app, so that a new command cannot be left out of the list.
  std::set<std::string> declared;
  const std::regex pattern(R"re(add_subcommand\(\s*"([a-z-]+)")re");
  for (const auto& e : fs::directory_iterator(fs::path(DRUMRNN_SOURCE_DIR) / "src" / "app")) {
    const std::string text = read_file(e.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) declared.insert((*it)[1]);
  }
  for (const char* known : {"convert", "create-dataset", "train", "evaluate", "generate", "export-model"})
    CHECK(declared.count(known) == 1);
  const auto r = test::run_drumrnn({});
  INFO(r.out);
  CHECK(r.status == 0);
  std::set<std::string> listed;
  const std::regex line(R"(\n  ([a-z-]+) +\S)");
  for (std::sregex_iterator it(r.out.begin(), r.out.end(), line), end; it != end; ++it) listed.insert((*it)[1]);
  CHECK(listed == declared);
  for (const auto& name : declared) CHECK(test::run_drumrnn({name, "--help"}).status == 0);
}

TEST_CASE("convert and create-dataset jobs print nothing: skipped files and progress go to the observer", "[music]") {
  test::TempDir dir;
  fs::create_directories(dir.path() / "midi");
  for (int i = 0; i < 5; ++i) write_midi_file(dir.str("midi/g" + std::to_string(i) + ".mid"), groove(128));
  test::write_bytes(dir.str("midi/broken.mid"), "MThd\x00\x00\x00\x06garbage");

  RecordingObserver convert_seen;
  ConvertOptions c;
  c.input_dir = dir.str("midi");
  c.output_file = dir.str("n.tfrecord");
  ConvertSummary cs;
  CHECK(captured_output(dir, [&] { cs = convert_directory(c, convert_seen); }).empty());
  CHECK(cs.converted == 5);
  CHECK_FALSE(cs.cancelled);
  REQUIRE(convert_seen.messages.size() == 1);
  CHECK(convert_seen.messages[0].first.starts_with("skipped broken.mid: "));
  CHECK(convert_seen.messages[0].second);
  REQUIRE_FALSE(convert_seen.progress.empty());
  CHECK(convert_seen.progress.back() == std::make_tuple(std::string("convert"), int64_t(6), int64_t(6)));

  RecordingObserver dataset_seen;
  DatasetOptions d;
  d.input = dir.str("midi");
  d.output_dir = dir.str("ds");
  d.seed = 1;
  DatasetSummary ds;
  CHECK(captured_output(dir, [&] { ds = create_dataset(d, dataset_seen); }).empty());
  CHECK(ds.inputs == 5);
  REQUIRE(dataset_seen.messages.size() == 1);
  CHECK(dataset_seen.messages[0].first.starts_with("skipped broken.mid: "));
  CHECK(dataset_seen.messages[0].second);
  REQUIRE_FALSE(dataset_seen.progress.empty());
  CHECK(dataset_seen.progress.back() == std::make_tuple(std::string("create-dataset"), int64_t(5), int64_t(5)));

  // silent_job() runs them as well, printing nothing.
  CHECK(captured_output(dir, [&] { create_dataset(d, silent_job()); }).empty());
}

TEST_CASE("a cancelled convert or create-dataset writes nothing and says so", "[music]") {
  test::TempDir dir;
  fs::create_directories(dir.path() / "midi");
  for (int i = 0; i < 200; ++i) write_midi_file(dir.str("midi/g" + std::to_string(i) + ".mid"), groove(64));
  fs::create_directories(dir.path() / "out");
  test::write_bytes(dir.str("out/old.tfrecord"), "an earlier output");

  RecordingObserver stop_convert;
  stop_convert.cancel_stage = "convert";
  stop_convert.cancel_after = 1;
  ConvertOptions c;
  c.input_dir = dir.str("midi");
  c.output_file = dir.str("out/n.tfrecord");
  c.threads = 2;
  ConvertSummary cs = convert_directory(c, stop_convert);
  CHECK(cs.cancelled);
  CHECK(cs.converted < 200);
  CHECK_FALSE(fs::exists(dir.path() / "out" / "n.tfrecord"));
  c.output_file = dir.str("out/old.tfrecord");
  RecordingObserver cancelled_before;
  cancelled_before.cancel();
  cs = convert_directory(c, cancelled_before);
  CHECK(cs.cancelled);
  CHECK(cs.converted == 0);
  CHECK(read_file(dir.str("out/old.tfrecord")) == "an earlier output");
  CHECK(entries_in(dir.path() / "out") == 1);  // no temp files left either

  for (const std::string stage : {"read MIDI", "create-dataset"}) {
    INFO(stage);
    RecordingObserver stop;
    stop.cancel_stage = stage;
    stop.cancel_after = 1;
    DatasetOptions d;
    d.input = dir.str("midi");
    d.output_dir = dir.str("ds");
    d.threads = 2;
    const DatasetSummary ds = create_dataset(d, stop);
    CHECK(ds.cancelled);
    CHECK(entries_in(dir.path() / "ds") == 0);
  }
}

TEST_CASE("the same --seed gives the same partition, and eval_ratio is honoured", "[music]") {
  test::TempDir dir;
  fs::create_directories(dir.path() / "midi");
  for (int i = 0; i < 40; ++i) write_midi_file(dir.str("midi/g" + std::to_string(i) + ".mid"), groove(128 + i));
  auto run = [&](const std::string& out, const std::string& seed) {
    auto r = test::run_drumrnn({"create-dataset", "--input", dir.str("midi"), "--output_dir", dir.str(out),
                                "--eval_ratio", "0.25", "--seed", seed});
    REQUIRE(r.status == 0);
    return std::make_pair(read_file(dir.str(out + "/training_drum_tracks.tfrecord")),
                          read_file(dir.str(out + "/eval_drum_tracks.tfrecord")));
  };
  const auto a = run("a", "7"), b = run("b", "7"), c = run("c", "8");
  CHECK(a == b);
  CHECK(a != c);
  const size_t eval = test::read_records_independently(a.second).size();
  const size_t train = test::read_records_independently(a.first).size();
  CHECK(eval + train == 40);
  CHECK(eval >= 3);  // 25% of 40 = 10; the binomial's 3-sigma range is about 2..18
  CHECK(eval <= 18);
}
