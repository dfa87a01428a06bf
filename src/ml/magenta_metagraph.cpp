#include "ml/magenta_metagraph.h"

#include <stdexcept>

namespace drumrnn {

std::string magenta_generate_metagraph(const DrumRnn&) {
  throw std::runtime_error("writing .mag bundles is not supported yet (Magenta needs the graph); use --run_dir");
}

}  // namespace drumrnn
