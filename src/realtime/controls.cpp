#include "realtime/controls.h"

#include <cstring>
#include <iterator>

namespace drumrnn::rt {
namespace {

struct Named {
  ControlTarget target;
  const char* name;
};
constexpr Named kNames[] = {
    {ControlTarget::play, "play"},
    {ControlTarget::stop, "stop"},
    {ControlTarget::continue_play, "continue"},
    {ControlTarget::toggle_play, "toggle_play"},
    {ControlTarget::bpm, "bpm"},
    {ControlTarget::swing, "swing"},
    {ControlTarget::temperature, "temperature"},
    {ControlTarget::master_level, "master_level"},
    {ControlTarget::loop_crossfade, "crossfade"},
    {ControlTarget::drum_level, "level"},
    {ControlTarget::drum_mute, "mute"},
    {ControlTarget::mode, "mode"},
    {ControlTarget::mode_bars, "mode_bars"},
    {ControlTarget::reseed, "reseed"},
    {ControlTarget::regenerate, "regenerate"},
};

}  // namespace

const char* control_target_name(ControlTarget t) {
  for (const auto& n : kNames)
    if (n.target == t) return n.name;
  return "?";
}

bool control_target_from_name(const char* name, ControlTarget& out) {
  for (const auto& n : kNames)
    if (std::strcmp(n.name, name) == 0) {
      out = n.target;
      return true;
    }
  return false;
}

}  // namespace drumrnn::rt
