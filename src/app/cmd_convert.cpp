// drumrnn convert: Magenta's convert_dir_to_note_sequences (--input_dir, --output_file, --recursive, --log).
#include <cstdio>

#include "app/commands.h"
#include "app/terminal_progress.h"
#include "music/convert_job.h"

namespace drumrnn {

namespace {
struct ConvertCommand {
  ConvertOptions job;
  LogLevel log = LogLevel::info;
};
}  // namespace

Command add_convert_command(CLI::App& app) {
  auto* sub = app.add_subcommand("convert", "MIDI folder -> TFRecord of NoteSequences (Magenta's format)");
  auto c = std::make_shared<ConvertCommand>();
  ConvertOptions& o = c->job;
  sub->add_option("--input_dir", o.input_dir, "folder of .mid/.midi files")->required();
  sub->add_option("--output_file", o.output_file, "TFRecord file to write (replaced atomically)")->required();
  sub->add_flag("--recursive", o.recursive, "also convert files in subfolders");
  add_log_flag(sub, c->log);
  sub->add_option("--threads", o.threads, "worker threads (default: one per core)");
  return {sub, [c] {
            const ConvertOptions& o = c->job;
            TerminalProgress observer(c->log);
            ConvertSummary s;
            {
              CancelOnInterrupt interrupt(observer);
              s = convert_directory(o, observer);
            }
            observer.finish();
            if (s.cancelled) {
              std::fprintf(stderr, "drumrnn convert: cancelled; %s was not written\n", o.output_file.c_str());
              return 130;
            }
            if (s.midi_files == 0) {
              std::fprintf(stderr, "drumrnn convert: error: no .mid or .midi files in %s%s\n", o.input_dir.c_str(),
                           o.recursive ? "" : " (use --recursive for subfolders)");
              std::remove(o.output_file.c_str());
              return 1;
            }
            std::printf("converted %zu of %zu MIDI files (%zu failed) in %.2f s: %.0f files/s, %.2f MB/s -> %s\n",
                        s.converted, s.midi_files, s.failed, s.seconds, s.midi_files / s.seconds,
                        s.midi_bytes / 1e6 / s.seconds, o.output_file.c_str());
            if (s.other_files) std::printf("ignored %zu files that are not MIDI\n", s.other_files);
            return s.converted > 0 ? 0 : 1;
          }};
}

}  // namespace drumrnn
