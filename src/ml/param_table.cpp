#include "ml/param_table.h"

namespace drumrnn {

size_t ParamTable::add(std::string name, std::vector<size_t> shape) {
  ParamView v{std::move(name), std::move(shape), total_};
  total_ += v.size();
  views_.push_back(std::move(v));
  return views_.size() - 1;
}

const ParamView* ParamTable::find(const std::string& name) const {
  for (const auto& v : views_)
    if (v.name == name) return &v;
  return nullptr;
}

}  // namespace drumrnn
