#pragma once
// Reading and writing the project's files: whole files, secret files (0600, written atomically),
// and hex/JSON helpers shared by the command lines.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/secret.hpp"

namespace doormat::files {

[[nodiscard]] escrow::Result<std::vector<uint8_t>> read(const std::string& path);
[[nodiscard]] escrow::Result<std::string> read_text(const std::string& path);
/// Writes to path.tmp, fsyncs, renames: a crash leaves the old file or the new one, never half.
[[nodiscard]] escrow::Result<void> write(const std::string& path, std::span<const uint8_t> bytes, bool secret = false);
[[nodiscard]] escrow::Result<void> write_text(const std::string& path, const std::string& text, bool secret = false);

}  // namespace doormat::files
