// `escrow-authority agency new`: an investigating agency's X25519 + Ed25519 keys (an identity,
// app/identity.hpp). The court names the public half in a warrant; the investigator signs its
// requests with the Ed25519 secret, and the trustees seal their answers to the X25519 key.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <utility>

#include "commands.hpp"
#include "identity.hpp"

namespace doormat::authority {

void register_agency(CLI::App& app, int& status) {
  auto opt = std::make_shared<std::pair<std::string, std::string>>();
  auto* agency = app.add_subcommand("agency", "an investigating agency's keys")->require_subcommand(1);
  auto* make = agency->add_subcommand("new", "create the agency's X25519 + Ed25519 keys");
  make->add_option("--name", opt->first, "the agency's name")->required();
  make->add_option("--out", opt->second, "path prefix: PREFIX.pub (give to the court), PREFIX.key (0600)")->required();
  make->callback([opt, &status] {
    auto id = identity::generate(opt->first);
    if (!id) { status = report(id.error()); return; }
    if (auto r = identity::save(*id, opt->second); !r) { status = report(r.error()); return; }
    fmt::print("agency '{}': {}.pub, {}.key (0600)\n", opt->first, opt->second, opt->second);
    status = 0;
  });
}

}  // namespace doormat::authority
