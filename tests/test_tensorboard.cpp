#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "event.pb.h"
#include "ml/tensorboard.h"
#include "music/tfrecord.h"
#include "test_support.h"

using namespace drumrnn;
namespace fs = std::filesystem;

namespace {

std::vector<tensorflow::Event> read_events(const std::string& path) {
  std::vector<tensorflow::Event> out;
  TfRecordReader reader(path);
  std::string payload;
  while (reader.next(payload)) {
    tensorflow::Event e;
    REQUIRE(e.ParseFromString(payload));
    out.push_back(e);
  }
  return out;
}

}  // namespace

TEST_CASE("tensorboard event file holds file_version then the scalars", "[ml]") {
  test::TempDir dir;
  const std::string run = dir.str("run1/train");  // created by the writer
  std::string path;
  {
    EventWriter writer(run);
    path = writer.path();
    const std::string name = fs::path(path).filename().string();
    // events.out.tfevents.<10 digits>.<hostname>
    REQUIRE(name.rfind("events.out.tfevents.", 0) == 0);
    const std::string stamp = name.substr(20, 10);
    CHECK(stamp.find_first_not_of("0123456789") == std::string::npos);
    CHECK(name.size() > 31);
    CHECK(name[30] == '.');
    CHECK(fs::path(path).parent_path() == fs::path(run));

    // The first record is on disk before any scalar (TensorBoard identifies the file by it).
    const auto early = read_events(path);
    REQUIRE(early.size() == 1);
    CHECK(early[0].file_version() == "brain.Event:2");

    writer.add_scalar("loss", 6.25f, 10);
    writer.add_scalar("metrics/accuracy", 0.5f, 10);
    writer.flush();
    CHECK(read_events(path).size() == 3);
    writer.add_scalar("loss", 3.0f, 20);  // flushed by the destructor
  }
  const auto events = read_events(path);
  REQUIRE(events.size() == 4);
  CHECK(events[0].file_version() == "brain.Event:2");
  CHECK(events[0].wall_time() == std::floor(events[0].wall_time()));  // whole seconds, as TF writes
  CHECK(events[0].wall_time() == std::stod(fs::path(path).filename().string().substr(20, 10)));

  struct Expected {
    const char* tag;
    float value;
    int64_t step;
  };
  const Expected expected[] = {{"loss", 6.25f, 10}, {"metrics/accuracy", 0.5f, 10}, {"loss", 3.0f, 20}};
  for (int i = 0; i < 3; ++i) {
    const auto& e = events[i + 1];
    REQUIRE(e.has_summary());
    REQUIRE(e.summary().value_size() == 1);
    CHECK(e.summary().value(0).tag() == expected[i].tag);
    CHECK(e.summary().value(0).simple_value() == expected[i].value);
    CHECK(e.step() == expected[i].step);
    CHECK(e.wall_time() >= events[0].wall_time());
  }
}
