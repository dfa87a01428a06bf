#include "ml/magenta_bundle.h"

#include "common/atomic_file.h"
#include "generator.pb.h"
#include "ml/tf_table.h"

namespace drumrnn {

MagentaBundle read_magenta_bundle(const std::string& path) {
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const IoError& e) {
    throw TfFormatError(e.what());
  }
  magenta::GeneratorBundle b;
  if (!b.ParseFromString(bytes)) throw TfFormatError(path + ": not a Magenta generator bundle (unparsable or truncated)");
  if (b.checkpoint_file_size() == 0 || b.checkpoint_file(0).empty())
    throw TfFormatError(path + ": the bundle holds no checkpoint");
  return {b.generator_details().id(), b.generator_details().description(), b.bundle_details().description(),
          b.checkpoint_file(0), b.metagraph_file()};
}

void write_magenta_bundle(const std::string& path, const MagentaBundle& bundle) {
  magenta::GeneratorBundle b;
  b.mutable_generator_details()->set_id(bundle.generator_id);
  b.mutable_generator_details()->set_description(bundle.generator_description);
  b.add_checkpoint_file(bundle.checkpoint);
  b.set_metagraph_file(bundle.metagraph);
  if (!bundle.bundle_description.empty()) b.mutable_bundle_details()->set_description(bundle.bundle_description);
  write_file_atomic(path, b.SerializeAsString());
}

}  // namespace drumrnn
