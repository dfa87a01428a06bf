// Files compiled into the binary (cmake/embed_files.cmake): a table ending in an entry with a null name.
#pragma once
#include <cstddef>
#include <string_view>

namespace drumrnn {

struct EmbeddedFile {
  const char* name;
  const unsigned char* data;
  size_t size;
};

// The entry of `table` called `name`; empty when there is none.
inline std::string_view find_embedded_file(const EmbeddedFile* table, std::string_view name) {
  for (; table->name; ++table)
    if (name == table->name) return {reinterpret_cast<const char*>(table->data), table->size};
  return {};
}

}  // namespace drumrnn
