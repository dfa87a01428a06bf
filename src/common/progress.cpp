#include "common/progress.h"

#include <cstdio>

namespace drumrnn {

std::string duration_text(double seconds) {
  char buf[32];
  const long s = long(seconds);
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  return buf;
}

}  // namespace drumrnn
