#include "realtime/controller_map.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "realtime/preset_dirs.h"

namespace drumrnn::rt {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw ControllerMapError(file + ": " + what);
}

bool rounds_to_integer(ControlTarget t) {
  return t == ControlTarget::mode || t == ControlTarget::mode_bars || t == ControlTarget::reseed;
}

int get_int(const json& v, const std::string& file, const std::string& where, int lo, int hi) {
  if (!v.is_number_integer())
    fail(file, where + " must be an integer " + std::to_string(lo) + ".." + std::to_string(hi));
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi)
    fail(file, where + " is " + std::to_string(x) + ", outside " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int>(x);
}

ControllerBinding parse_binding(const json& b, const std::string& file, size_t i) {
  const std::string where = "bindings[" + std::to_string(i) + "]";
  if (!b.is_object()) fail(file, where + " must be an object");
  ControllerBinding out;
  if (!b.contains("cc")) fail(file, where + " lacks \"cc\"");
  if (!b.contains("target") || !b["target"].is_string()) fail(file, where + " lacks a \"target\" name");
  const std::string target = b["target"].get<std::string>();
  if (!control_target_from_name(target.c_str(), out.target))
    fail(file, where + ": unknown target \"" + target + "\"");
  control_target_range(out.target, out.min, out.max);
  for (const auto& [key, v] : b.items()) {
    if (key == "cc") {
      out.cc = get_int(v, file, where + ".cc", 0, 127);
    } else if (key == "channel") {
      out.channel = get_int(v, file, where + ".channel", 1, 16) - 1;
    } else if (key == "index") {
      if (v.is_string()) {
        out.index = -1;
        for (int c = 0; c < kDrumClasses; ++c)
          if (v.get<std::string>() == kDrumClassNames[c]) out.index = c;
        if (out.index < 0) fail(file, where + ".index: unknown drum class \"" + v.get<std::string>() + "\"");
      } else {
        out.index = get_int(v, file, where + ".index", 0, kDrumClasses - 1);
      }
    } else if (key == "min" || key == "max") {
      if (!v.is_number()) fail(file, where + "." + key + " must be a number");
      (key == "min" ? out.min : out.max) = v.get<float>();
    } else if (key == "toggle") {
      if (!v.is_boolean()) fail(file, where + ".toggle must be true or false");
      out.toggle = v.get<bool>();
    } else if (key != "target" && key != "comment") {
      fail(file, where + ": unknown key \"" + key + "\"");
    }
  }
  if (control_target_is_per_drum(out.target) && !b.contains("index"))
    fail(file, where + ": target \"" + target + "\" needs an \"index\" (a drum class)");
  return out;
}

}  // namespace

void control_target_range(ControlTarget t, float& min, float& max) {
  min = 0.0f;
  max = 1.0f;
  switch (t) {
    case ControlTarget::bpm: min = 20.0f, max = 300.0f; break;
    case ControlTarget::swing: max = 0.75f; break;
    case ControlTarget::temperature: min = 0.05f, max = 4.0f; break;
    case ControlTarget::master_level:
    case ControlTarget::drum_level: max = 2.0f; break;
    case ControlTarget::mode: max = 3.0f; break;  // GenerationMode::call_response
    case ControlTarget::mode_bars: min = 1.0f, max = 16.0f; break;
    case ControlTarget::reseed: max = 127.0f; break;
    default: break;
  }
}

bool control_target_is_per_drum(ControlTarget t) {
  return t == ControlTarget::drum_level || t == ControlTarget::drum_mute;
}

bool control_target_is_trigger(ControlTarget t) {
  return t == ControlTarget::play || t == ControlTarget::stop || t == ControlTarget::continue_play ||
         t == ControlTarget::toggle_play || t == ControlTarget::regenerate;
}

ControllerMap parse_controller_map(const std::string& text, const std::string& file) {
  const json j = parse_preset_object<ControllerMapError>(text, file);
  ControllerMap map;
  for (const auto& [key, v] : j.items()) {
    if (key == "name") {
      if (!v.is_string()) fail(file, "\"name\" must be a string");
      map.name = v.get<std::string>();
    } else if (key == "bindings") {
      if (!v.is_array()) fail(file, "\"bindings\" must be an array");
      for (size_t i = 0; i < v.size(); ++i) map.bindings.push_back(parse_binding(v[i], file, i));
    } else if (key != "source" && key != "comment") {
      fail(file, "unknown key \"" + key + "\" (expected name, bindings, source, comment)");
    }
  }
  if (!j.contains("bindings")) fail(file, "missing \"bindings\"");
  return map;
}

ControllerMap load_controller_map(const std::string& name_or_file) {
  std::string looked;
  const std::string path = find_preset("controllers", name_or_file, looked);
  if (path.empty())
    throw ControllerMapError("controller map '" + name_or_file + "' not found (looked in " + looked + ")");
  std::string text;
  try {
    text = read_file(path);
  } catch (const IoError& e) {
    throw ControllerMapError(e.what());
  }
  return parse_controller_map(text, path);
}

std::string controller_map_json(const ControllerMap& map) {
  json bindings = json::array();
  for (const auto& b : map.bindings) {
    json o = {{"cc", b.cc}, {"target", control_target_name(b.target)}};
    if (b.channel >= 0) o["channel"] = b.channel + 1;
    if (control_target_is_per_drum(b.target)) o["index"] = kDrumClassNames[b.index];
    // Rounded so that 0.2f is written as 0.2, not 0.20000000298023224; it parses back to the same float.
    o["min"] = std::round(static_cast<double>(b.min) * 1e6) / 1e6;
    o["max"] = std::round(static_cast<double>(b.max) * 1e6) / 1e6;
    if (b.toggle) o["toggle"] = true;
    bindings.push_back(std::move(o));
  }
  json j = {{"name", map.name}, {"bindings", std::move(bindings)}};
  return j.dump(2) + "\n";
}

void save_controller_map(const ControllerMap& map, const std::string& file) {
  write_file_atomic(file, controller_map_json(map));
}

std::vector<std::string> controller_map_names() { return preset_names("controllers"); }

ControllerMap with_binding(const ControllerMap& map, const ControllerBinding& b) {
  ControllerMap out;
  out.name = map.name;
  for (const auto& old : map.bindings) {
    const bool same_knob = old.cc == b.cc && (old.channel == b.channel || old.channel < 0 || b.channel < 0);
    const bool same_target = old.target == b.target && old.index == b.index;
    if (!same_knob && !same_target) out.bindings.push_back(old);
  }
  out.bindings.push_back(b);
  return out;
}

bool map_cc(const ControllerMap& map, int channel, int cc, int value, Control& out, ToggleState* toggles) {
  for (const ControllerBinding& b : map.bindings) {
    if (b.cc != cc || (b.channel >= 0 && b.channel != channel)) continue;
    const bool pressed = value >= 64;
    float v = 0.0f;
    if (b.toggle) {
      if (!pressed) return false;
      bool on = true;
      if (toggles && channel >= 0 && channel < 16 && cc >= 0 && cc < 128) {
        bool& state = toggles->on[channel * 128 + cc];
        state = !state;
        on = state;
      }
      v = on ? b.max : b.min;
    } else if (control_target_is_trigger(b.target)) {
      if (!pressed) return false;
      v = b.max;
    } else {
      const float t = static_cast<float>(value < 0 ? 0 : value > 127 ? 127 : value) / 127.0f;
      v = b.min + (b.max - b.min) * t;
      if (rounds_to_integer(b.target)) v = std::round(v);
    }
    out.target = b.target;
    out.index = static_cast<int16_t>(b.index);
    out.value = v;
    return true;
  }
  return false;
}

}  // namespace drumrnn::rt
