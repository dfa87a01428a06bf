#pragma once
#include <string>

namespace drumrnn {
// Version plus what this binary was built with (CUDA or CPU only).
std::string build_info();
}  // namespace drumrnn
