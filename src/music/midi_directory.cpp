#include "music/midi_directory.h"

#include <algorithm>
#include <filesystem>
#include <openssl/evp.h>

#include "common/atomic_file.h"
#include "music/midi_io.h"

namespace drumrnn {
namespace fs = std::filesystem;

namespace {

bool has_midi_extension(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  auto ends_with = [&](const char* ext) { return lower.ends_with(ext); };
  return ends_with(".mid") || ends_with(".midi");
}

void list_into(const fs::path& root, const std::string& sub, bool recursive, MidiListing& out) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(root / sub, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  if (ec) throw IoError("cannot list " + (root / sub).string() + ": " + ec.message());
  std::sort(names.begin(), names.end());
  std::vector<std::string> subdirs;
  for (const auto& name : names) {
    const std::string rel = sub.empty() ? name : sub + "/" + name;
    if (has_midi_extension(name)) {
      out.midi_files.push_back(rel);
    } else if (recursive && fs::is_directory(root / rel, ec)) {
      subdirs.push_back(rel);
    } else {
      out.other_files.push_back(rel);
    }
  }
  for (const auto& d : subdirs) list_into(root, d, recursive, out);
}

std::string sha1_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha1(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

}  // namespace

MidiListing list_midi_files(const std::string& root, bool recursive) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw IoError("input folder " + root + " does not exist or is not a folder");
  MidiListing listing;
  list_into(fs::path(root), "", recursive, listing);
  return listing;
}

std::string collection_name_of(const std::string& root) {
  // os.path.basename: the part after the last '/'.
  const auto slash = root.rfind('/');
  return slash == std::string::npos ? root : root.substr(slash + 1);
}

magenta::NoteSequence convert_midi_file(const std::string& root, const std::string& relative_path,
                                        const std::string& collection_name) {
  magenta::NoteSequence ns = midi_file_to_note_sequence((fs::path(root) / relative_path).string());
  ns.set_filename(relative_path);
  ns.set_collection_name(collection_name);
  ns.set_id("/id/midi/" + collection_name + "/" + sha1_hex(relative_path));
  return ns;
}

}  // namespace drumrnn
