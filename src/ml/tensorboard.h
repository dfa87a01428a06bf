// TensorBoard event files (facts §5): TFRecord-framed tensorflow.Event protos, one file per writer,
// named as TensorFlow's EventsWriter names them so `tensorboard --logdir` finds our runs.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace drumrnn {

class EventWriter {
 public:
  // Creates `dir` if needed and "<dir>/events.out.tfevents.<10-digit seconds>.<hostname>", and writes
  // the file_version record at once. Throws IoError naming the file.
  explicit EventWriter(const std::string& dir);
  ~EventWriter();  // flushes; errors there are dropped (destructors must not throw)
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  // Queues Event{wall_time now, step, summary{value{tag, simple_value}}}; nothing reaches the file
  // until flush().
  void add_scalar(const std::string& tag, float value, int64_t step);

  // Appends the queued records in one write and fflush()es them. An event log only grows, so no
  // temp-file-and-rename here: a kill mid-write leaves at most one partial trailing record, which
  // TensorBoard's reader skips. Throws IoError naming the file.
  void flush();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::string pending_;  // framed records not yet written
};

}  // namespace drumrnn
