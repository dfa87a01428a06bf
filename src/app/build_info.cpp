#include "app/build_info.h"

namespace drumrnn {

std::string build_info() {
  std::string s = "drumrnn 0.1.0";
#ifdef DRUMRNN_HAVE_CUDA
  s += " (CUDA + cuDNN built in)";
#else
  s += " (CPU only: built without CUDA)";
#endif
  return s;
}

}  // namespace drumrnn
