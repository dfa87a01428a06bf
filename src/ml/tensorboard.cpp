#include "ml/tensorboard.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "common/atomic_file.h"
#include "event.pb.h"
#include "music/tfrecord.h"

namespace drumrnn {
namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

}  // namespace

EventWriter::EventWriter(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError("cannot create " + dir + ": " + ec.message());
  // TensorFlow stamps both the name and the first event with whole seconds (events_writer.cc).
  const auto seconds = static_cast<long long>(now_seconds());
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%010lld", seconds);
  path_ = (std::filesystem::path(dir) / ("events.out.tfevents." + std::string(stamp) + "." + hostname())).string();
  file_ = std::fopen(path_.c_str(), "ab");
  if (!file_) throw IoError("cannot write " + path_ + ": " + std::strerror(errno));

  tensorflow::Event first;
  first.set_wall_time(static_cast<double>(seconds));
  first.set_file_version("brain.Event:2");
  tfrecord_frame(first.SerializeAsString(), pending_);
  flush();
}

EventWriter::~EventWriter() {
  try {
    flush();
  } catch (const IoError&) {
  }
  if (file_) std::fclose(file_);
}

void EventWriter::add_scalar(const std::string& tag, float value, int64_t step) {
  tensorflow::Event event;
  event.set_wall_time(now_seconds());
  event.set_step(step);
  auto* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(value);
  tfrecord_frame(event.SerializeAsString(), pending_);
}

void EventWriter::flush() {
  if (pending_.empty()) return;
  if (std::fwrite(pending_.data(), 1, pending_.size(), file_) != pending_.size() || std::fflush(file_) != 0)
    throw IoError("cannot write " + path_ + ": " + std::strerror(errno));
  pending_.clear();
}

}  // namespace drumrnn
