// The test-vector file reader (it reads files another implementation may have written).
#include <string_view>

#include "vectors/vector_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto parsed = escrow::vectors::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed)
    for (const auto& v : *parsed)
      for (const auto& [name, value] : v.fields) {
        (void)v.hex(name);
        (void)v.hex_list(name);
        (void)v.number(name);
      }
  return 0;
}
