// drumrnn convert: Magenta's convert_dir_to_note_sequences.
#include <cstdio>

#include "app/commands.h"
#include "music/convert_job.h"

namespace drumrnn {

Command add_convert_command(CLI::App& app) {
  auto* sub = app.add_subcommand("convert", "MIDI folder -> TFRecord of NoteSequences (Magenta's format)");
  auto o = std::make_shared<ConvertOptions>();
  sub->add_option("--input_dir", o->input_dir, "folder of .mid/.midi files")->required();
  sub->add_option("--output_file", o->output_file, "TFRecord file to write (replaced atomically)")->required();
  sub->add_flag("--recursive", o->recursive, "also convert files in subfolders");
  sub->add_option("--threads", o->threads, "worker threads (default: one per core)");
  return {sub, [o] {
            const ConvertSummary s = convert_directory(*o);
            if (s.midi_files == 0) {
              std::fprintf(stderr, "drumrnn convert: error: no .mid or .midi files in %s%s\n", o->input_dir.c_str(),
                           o->recursive ? "" : " (use --recursive for subfolders)");
              std::remove(o->output_file.c_str());
              return 1;
            }
            std::printf("converted %zu of %zu MIDI files (%zu failed) in %.2f s: %.0f files/s, %.2f MB/s -> %s\n",
                        s.converted, s.midi_files, s.failed, s.seconds, s.midi_files / s.seconds,
                        s.midi_bytes / 1e6 / s.seconds, o->output_file.c_str());
            if (s.other_files) std::printf("ignored %zu files that are not MIDI\n", s.other_files);
            return s.converted > 0 ? 0 : 1;
          }};
}

}  // namespace drumrnn
