#pragma once
// Each file registers its subcommands on the escrow-authority command line. A command's callback
// stores its exit status in `status`.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "escrow/error.hpp"

namespace doormat::authority {

void register_ceremony(CLI::App& app, int& status);
void register_ceremony_network(CLI::App& app, int& status);  // after register_ceremony
void register_court(CLI::App& app, int& status);
void register_trustee(CLI::App& app, int& status);
void register_investigate(CLI::App& app, int& status);
void register_agency(CLI::App& app, int& status);
void register_enroll(CLI::App& app, int& status);
void register_audit(CLI::App& app, int& status);
void register_demo(CLI::App& app, int& status);
void register_loadtest(CLI::App& app, int& status);
void register_operator(CLI::App& app, int& status);
void register_inspect(CLI::App& app, int& status);

/// Set by main() when the command line asks for --json: errors are then one JSON object on
/// standard output, {"error": {"code": CATEGORY, "message": TEXT}}, as well as the line on stderr.
inline bool json_errors = false;

/// The one line a user sees for a failed command: what went wrong and, where the detail says
/// it, the next step. No C++ function names (those are for the library's own messages).
inline std::string user_message(const escrow::Error& e) {
  return e.detail.empty() ? std::string(escrow::to_string(e.category)) : e.detail;
}

inline int report(const escrow::Error& e) {
  const auto message = user_message(e);
  fmt::print(stderr, "error: {}\n", message);
  if (json_errors) {
    std::string quoted;  // JSON string escaping, without pulling nlohmann into every command
    for (const unsigned char c : message) {
      if (c == '"' || c == '\\') quoted += '\\', quoted += static_cast<char>(c);
      else if (c < 0x20) quoted += fmt::format("\\u{:04x}", c);
      else quoted += static_cast<char>(c);
    }
    std::string code(escrow::to_string(e.category));
    for (auto& c : code)
      if (c == ' ') c = '_';
    fmt::print("{{\"error\": {{\"code\": \"{}\", \"message\": \"{}\"}}}}\n", code, quoted);
  }
  return 1;
}

}  // namespace doormat::authority
