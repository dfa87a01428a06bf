#include "realtime/hydrogen_kit.h"

#include <samplerate.h>
#include <sndfile.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <pugixml.hpp>

#include "realtime/synth_kit.h"

namespace fs = std::filesystem;

namespace drumrnn::rt {
namespace {

struct HLayer {
  std::string file;
  float min = 0, max = 1, gain = 1, pitch = 0;
};

struct HInstrument {
  std::string name;
  int midi_note = -1;
  float gain = 1, pitch = 0;
  std::vector<HLayer> layers;
};

float child_float(const pugi::xml_node& node, const char* name, float fallback) {
  const pugi::xml_node c = node.child(name);
  return c ? c.text().as_float(fallback) : fallback;
}

// Hydrogen 0.9.7+/1.x keeps layers in <instrumentComponent>; older kits put <layer> in <instrument>,
// and the oldest a single <filename>.
HInstrument parse_instrument(const pugi::xml_node& node) {
  HInstrument in;
  in.name = node.child_value("name");
  in.midi_note = node.child("midiOutNote").text().as_int(-1);
  in.gain = child_float(node, "volume", 1) * child_float(node, "gain", 1);
  in.pitch = child_float(node, "pitchOffset", 0);
  auto read_layers = [&](const pugi::xml_node& parent, float component_gain) {
    for (pugi::xml_node l : parent.children("layer")) {
      HLayer layer{l.child_value("filename"), child_float(l, "min", 0), child_float(l, "max", 1),
                   child_float(l, "gain", 1) * component_gain, child_float(l, "pitch", 0)};
      if (!layer.file.empty()) in.layers.push_back(layer);
    }
  };
  // Several components are several microphones of one hit; the first one with layers stands for all.
  for (pugi::xml_node comp : node.children("instrumentComponent")) {
    read_layers(comp, child_float(comp, "gain", 1));
    if (!in.layers.empty()) break;
  }
  if (in.layers.empty()) read_layers(node, 1);
  if (in.layers.empty() && *node.child_value("filename")) in.layers.push_back({node.child_value("filename")});
  return in;
}

// Lower-case words of a name, split at anything not alphanumeric and between letters and digits;
// "tomhi2" becomes "tom", "hi", "2".
std::vector<std::string> words_of(const std::string& name) {
  std::vector<std::string> words;
  std::string w;
  auto flush = [&] {
    if (w.size() > 3 && w.rfind("tom", 0) == 0 && w != "tomb") words.push_back("tom"), w.erase(0, 3);
    if (!w.empty()) words.push_back(w);
    w.clear();
  };
  for (char ch : name) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (!std::isalnum(c)) {
      flush();
      continue;
    }
    if (!w.empty() && (std::isdigit(c) != 0) != (std::isdigit(static_cast<unsigned char>(w.back())) != 0)) flush();
    w += static_cast<char>(std::tolower(c));
  }
  flush();
  return words;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// How well an instrument fits a class: 10 for a name that says it, a few points for a General MIDI
// note, minus points for a variant (rimshot, bell). 3 or more is a match; ties go to the first.
int match_score(int cls, const HInstrument& in) {
  const std::string n = lower(in.name);
  const std::vector<std::string> w = words_of(in.name);
  auto word = [&](const char* s) { return std::find(w.begin(), w.end(), s) != w.end(); };
  auto has = [&](const char* s) { return n.find(s) != std::string::npos; };
  auto note = [&](int a, int points) { return in.midi_note == a ? points : 0; };
  const bool hat = has("hat") || word("hh") || word("chh") || word("ohh");
  const bool open = has("open") || word("op") || word("ohh");
  const bool pedal = has("pedal") || word("pd") || word("foot");
  const bool closed = has("close") || word("cl") || word("chh");
  const bool tom = word("tom") || word("toms");
  const bool low = word("floor") || word("low") || word("lo") || word("ft");
  const bool mid = word("mid") || word("middle") || word("med") || word("2");
  const bool high = word("high") || word("hi") || word("1");
  switch (cls) {
    case 0:
      return (has("kick") || has("bassdrum") || (word("bass") && word("drum")) || word("bd") || word("kik") ? 10 : 0) +
             note(36, 4) + note(35, 3);
    case 1:
      return (has("snare") || word("sd") || word("sn") ? 10 : 0) +
             (has("rim") || word("stick") || has("clap") || word("roll") || word("ghost") ? -6 : 0) + note(38, 4) +
             note(40, 3);
    case 2:
      return (!hat || open ? 0 : closed ? 10 : pedal ? 4 : 6) + note(42, 4) + note(44, 3);
    case 3:
      return (hat && open ? (word("semi") || word("half") ? 7 : 10) : 0) + note(46, 4);
    case 4:
      return (tom && !hat ? (low ? 10 : mid || high ? 0 : 3) : 0) + note(41, 4) + note(43, 3) + note(45, 2);
    case 5:
      return (tom && !hat ? (mid ? 10 : low || high ? 0 : 3) : 0) + note(47, 4) + note(48, 4) + note(45, 3);
    case 6:
      return (tom && !hat ? (high ? 10 : low || mid ? 0 : 3) : 0) + note(50, 4) + note(48, 2);
    case 7:
      return (has("crash") ? 10 : has("cymbal") || word("cym") ? 6 : word("splash") || word("china") ? 5 : 0) +
             (has("ride") ? -3 : 0) + note(49, 4) + note(57, 3) + note(55, 1);
    default:
      return (has("ride") ? 10 : 0) + (has("bell") || word("cup") ? -4 : 0) + note(51, 4) + note(59, 3) + note(53, 1);
  }
}

constexpr int kMinScore = 3;

struct Decoded {
  std::vector<float> left, right;
};

// Decodes any format libsndfile reads (first two channels), then resamples once to `rate`
// (pitch in semitones folds into the same conversion). Returns an error text, empty on success.
std::string decode(const fs::path& path, int rate, float pitch, Decoded& out) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) return sf_strerror(nullptr);
  if (info.frames <= 0 || info.channels <= 0 || info.samplerate <= 0) {
    sf_close(f);
    return "no audio frames";
  }
  std::vector<float> raw(static_cast<size_t>(info.frames) * info.channels);
  const sf_count_t got = sf_readf_float(f, raw.data(), info.frames);
  sf_close(f);
  if (got <= 0) return "no audio frames could be decoded";

  const int ch = std::min(info.channels, 2);
  std::vector<float> in(static_cast<size_t>(got) * ch);
  for (sf_count_t i = 0; i < got; ++i)
    for (int c = 0; c < ch; ++c) in[i * ch + c] = raw[i * info.channels + c];
  for (float& v : in)
    if (!std::isfinite(v)) v = 0;

  const double ratio = static_cast<double>(rate) / info.samplerate * std::pow(2.0, -std::clamp(pitch, -24.0f, 24.0f) / 12.0);
  std::vector<float> res;
  long frames = static_cast<long>(got);
  if (std::fabs(ratio - 1.0) > 1e-9) {
    if (!src_is_valid_ratio(ratio)) return "sample rate " + std::to_string(info.samplerate) + " cannot be converted";
    const long cap = static_cast<long>(std::ceil(got * ratio)) + 64;
    res.resize(static_cast<size_t>(cap) * ch);
    SRC_DATA d{};
    d.data_in = in.data();
    d.data_out = res.data();
    d.input_frames = static_cast<long>(got);
    d.output_frames = cap;
    d.src_ratio = ratio;
    d.end_of_input = 1;
    if (int err = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, ch)) return std::string("resampling: ") + src_strerror(err);
    frames = d.output_frames_gen;
    in.swap(res);
  }
  if (frames <= 0) return "no audio frames";
  out.left.resize(frames);
  out.right.resize(frames);
  for (long i = 0; i < frames; ++i) {
    out.left[i] = in[i * ch];
    out.right[i] = in[i * ch + (ch - 1)];
  }
  return {};
}

std::string kit_name_of(const pugi::xml_document& doc, const fs::path& dir) {
  const std::string name = doc.child("drumkit_info").child_value("name");
  return name.empty() ? dir.filename().string() : name;
}

}  // namespace

Kit load_hydrogen_kit(const std::string& dir_or_drumkit_xml, int sample_rate) {
  std::error_code ec;
  fs::path xml = dir_or_drumkit_xml, dir;
  if (fs::is_directory(xml, ec)) {
    dir = xml;
    xml = dir / "drumkit.xml";
    if (!fs::is_regular_file(xml, ec)) throw KitError(xml.string() + ": no drumkit.xml in this kit folder");
  } else if (fs::is_regular_file(xml, ec)) {
    dir = xml.parent_path();
  } else {
    throw KitError(dir_or_drumkit_xml + ": no such kit folder or drumkit.xml");
  }

  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_file(xml.c_str());
  if (!parsed)
    throw KitError(xml.string() + ": malformed XML: " + parsed.description() + " at byte " +
                   std::to_string(parsed.offset));
  const pugi::xml_node root = doc.child("drumkit_info");
  if (!root) throw KitError(xml.string() + ": not a Hydrogen drumkit (no <drumkit_info> element)");
  const pugi::xml_node list = root.child("instrumentList");
  if (!list) throw KitError(xml.string() + ": no <instrumentList> in <drumkit_info>");

  std::vector<HInstrument> instruments;
  for (pugi::xml_node n : list.children("instrument")) {
    HInstrument in = parse_instrument(n);
    if (!in.layers.empty()) instruments.push_back(std::move(in));
  }

  Kit kit;
  kit.name = kit_name_of(doc, dir);
  kit.sample_rate = sample_rate;
  std::map<std::pair<std::string, float>, Decoded> cache;  // one decode per file and pitch
  for (int cls = 0; cls < kDrumClasses; ++cls) {
    int best = -1, best_score = kMinScore - 1;
    for (size_t i = 0; i < instruments.size(); ++i) {
      const int s = match_score(cls, instruments[i]);
      if (s > best_score) best_score = s, best = static_cast<int>(i);
    }
    if (best < 0) {
      kit.voices[cls] = make_synth_voice(cls, sample_rate);
      continue;
    }
    const HInstrument& in = instruments[best];
    KitVoice voice;
    voice.name = in.name;
    voice.gain = in.gain;
    voice.choke_open_hat = cls == 2;
    std::string failure;
    for (const HLayer& hl : in.layers) {
      const fs::path file = fs::path(hl.file).is_absolute() ? fs::path(hl.file) : dir / hl.file;
      const auto key = std::make_pair(file.string(), hl.pitch + in.pitch);
      auto it = cache.find(key);
      if (it == cache.end()) {
        Decoded d;
        const std::string err = decode(file, sample_rate, key.second, d);
        if (!err.empty()) {
          failure = hl.file + ": " + err;
          break;
        }
        it = cache.emplace(key, std::move(d)).first;
      }
      KitLayer layer;
      layer.min_velocity = std::clamp(std::min(hl.min, hl.max), 0.0f, 1.0f);
      layer.max_velocity = std::clamp(std::max(hl.min, hl.max), 0.0f, 1.0f);
      layer.gain = hl.gain;
      layer.left = it->second.left;
      layer.right = it->second.right;
      voice.layers.push_back(std::move(layer));
    }
    if (!failure.empty()) {
      kit.warnings.push_back(kit.name + ": " + kDrumClassNames[cls] + ": " + failure + "; using the synthesized " +
                             kDrumClassNames[cls]);
      kit.voices[cls] = make_synth_voice(cls, sample_rate);
      continue;
    }
    std::stable_sort(voice.layers.begin(), voice.layers.end(),
                     [](const KitLayer& a, const KitLayer& b) { return a.min_velocity < b.min_velocity; });
    kit.voices[cls] = std::move(voice);
  }
  return kit;
}

namespace {

std::vector<fs::path> kit_roots() {
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("DRUMRNN_KIT_PATH")) {
    std::string s = env;
    for (size_t start = 0; start <= s.size();) {
      const size_t end = std::min(s.find(':', start), s.size());
      if (end > start) roots.emplace_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  if (const char* home = std::getenv("HOME")) roots.push_back(fs::path(home) / ".hydrogen/data/drumkits");
  roots.emplace_back("/usr/share/hydrogen/data/drumkits");
  return roots;
}

KitInfo info_of(const fs::path& dir) {
  pugi::xml_document doc;
  doc.load_file((dir / "drumkit.xml").c_str());
  return {kit_name_of(doc, dir), dir.string()};
}

}  // namespace

std::vector<KitInfo> find_kits() {
  std::vector<KitInfo> kits;
  std::error_code ec;
  for (const fs::path& root : kit_roots()) {
    if (!fs::is_directory(root, ec)) continue;
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(root, ec))
      if (fs::is_regular_file(e.path() / "drumkit.xml", ec)) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    for (const fs::path& d : dirs) kits.push_back(info_of(d));
  }
  return kits;
}

std::optional<KitInfo> find_kit(const std::string& name_or_path) {
  if (name_or_path.empty()) return std::nullopt;
  std::error_code ec;
  const fs::path p = name_or_path;
  // An existing path is the kit whatever it holds; load_hydrogen_kit() names what is wrong with it.
  if (fs::is_directory(p, ec)) return info_of(p);
  if (fs::is_regular_file(p, ec)) {
    const fs::path file = fs::absolute(p, ec);
    KitInfo k = info_of(file.parent_path());
    k.path = file.string();  // a drumkit.xml by another name: load exactly that file
    return k;
  }
  const std::string want = lower(name_or_path);
  for (const KitInfo& k : find_kits())
    if (lower(k.name).find(want) != std::string::npos ||
        lower(fs::path(k.path).filename().string()).find(want) != std::string::npos)
      return k;
  return std::nullopt;
}

}  // namespace drumrnn::rt
