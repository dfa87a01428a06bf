// Magenta's generator bundle (.mag): one serialized magenta.GeneratorBundle holding the generator id
// (drum_kit / one_drum), a V1 checkpoint and the generate graph's MetaGraphDef.
#pragma once
#include <string>

namespace drumrnn {

struct MagentaBundle {
  std::string generator_id, generator_description, bundle_description;
  std::string checkpoint;  // checkpoint_file[0]: a TF V1 checkpoint's bytes
  std::string metagraph;   // a serialized tensorflow.MetaGraphDef
};

// Throws TfFormatError naming `path` when the file cannot be read or parsed, or holds no checkpoint.
MagentaBundle read_magenta_bundle(const std::string& path);
// Writes atomically.
void write_magenta_bundle(const std::string& path, const MagentaBundle& bundle);

}  // namespace drumrnn
