// Lists and converts a folder of MIDI files as Magenta's convert_dir_to_note_sequences does
// (facts §4): files of a folder first, then its subfolders, each listing in sorted order so the
// record order (and a seeded partition) is the same on every machine.
#pragma once
#include <string>
#include <vector>

#include "music.pb.h"

namespace drumrnn {

struct MidiListing {
  std::vector<std::string> midi_files;  // paths relative to the root, '/'-separated
  std::vector<std::string> other_files; // not .mid/.midi (Magenta warns about each)
};

// Throws IoError if `root` is not a readable folder.
MidiListing list_midi_files(const std::string& root, bool recursive);

// Magenta's collection name for a root folder: its basename ("" when the path ends in '/').
std::string collection_name_of(const std::string& root);

// Reads root/relative_path into a NoteSequence with Magenta's id, filename and collection_name.
// Throws MidiError or IoError (what() is the reason, without the path).
magenta::NoteSequence convert_midi_file(const std::string& root, const std::string& relative_path,
                                        const std::string& collection_name);

}  // namespace drumrnn
