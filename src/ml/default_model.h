// Where the shipped default model lives: presets/models/ beside the program's source or install.
#pragma once
#include <string>

namespace drumrnn {

constexpr const char* kDefaultModelName = "drum_kit_groove.safetensors";

// $DRUMRNN_MODEL if set; else the first existing presets/models/<name> among: $DRUMRNN_PRESETS,
// <program dir>/../presets, <program dir>/../share/drumrnn/presets, the source tree it was built
// from. Throws std::runtime_error listing where it looked.
std::string default_model_path();

// Picks the model for --run_dir / --model / neither (the default model).
std::string resolve_model_path(const std::string& run_dir, const std::string& model_file);

}  // namespace drumrnn
