#pragma once
// Reader for the test-vector files (SPEC §9.2): '#' comments, and vectors that each start with a
// "[Valid]" or "[Invalid]" line followed by "name = value" lines.
#include <map>
#include <string>
#include <vector>

#include "escrow/error.hpp"

namespace escrow::vectors {

struct Vector {
  bool valid = true;
  int line = 0;  ///< where the header stands, for messages
  std::map<std::string, std::string> fields;

  /// The field, or an error naming it; hex() decodes it.
  [[nodiscard]] Result<std::string> text(const std::string& name) const;
  [[nodiscard]] Result<std::vector<uint8_t>> hex(const std::string& name) const;
  /// A comma-separated list of hex strings ("" is the empty list).
  [[nodiscard]] Result<std::vector<std::vector<uint8_t>>> hex_list(const std::string& name) const;
  [[nodiscard]] Result<uint64_t> number(const std::string& name) const;
};

[[nodiscard]] Result<std::vector<Vector>> parse(std::string_view contents);
[[nodiscard]] Result<std::vector<Vector>> read_file(const std::string& path);
/// An error category as a vector's `error` line names it (SPEC §9.2: section 6's, in snake_case).
[[nodiscard]] std::string category_name(ErrorCategory c);

}  // namespace escrow::vectors
