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

inline int report(const escrow::Error& e) {
  fmt::print(stderr, "error: {}\n", e.message());
  return 1;
}

}  // namespace doormat::authority
