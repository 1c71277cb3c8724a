// `escrow-authority agency new`: an investigating agency's X25519 + Ed25519 keys (an identity,
// app/identity.hpp). The court names the public half in a warrant; the investigator signs its
// requests with the Ed25519 secret, and the trustees seal their answers to the X25519 key.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "commands.hpp"
#include "identity.hpp"

namespace doormat::authority {

void register_agency(CLI::App& app, int& status) {
  auto opt = std::make_shared<std::pair<std::string, std::string>>();
  auto flags = std::make_shared<std::pair<bool, bool>>(false, false);  // --force, --json
  auto* agency = app.add_subcommand("agency", "an investigating agency's keys")->require_subcommand(1);
  auto* make = agency->add_subcommand("new", "create the agency's X25519 + Ed25519 keys");
  make->add_option("--name", opt->first, "the agency's name")->required();
  make->add_option("--out", opt->second, "path prefix: PREFIX.pub (give to the court), PREFIX.key (0600)")->required();
  make->add_flag("--force", flags->first, "replace existing PREFIX.pub / PREFIX.key (warrants naming the old keys stop working)");
  make->add_flag("--json", flags->second, "print JSON");
  make->callback([opt, flags, &status] {
    for (const char* ext : {".pub", ".key"})
      if (!flags->first && std::filesystem::exists(opt->second + ext)) {
        status = report({escrow::ErrorCategory::policy_denied, "agency new",
                         fmt::format("{}{} exists: the agency's keys are already there (warrants name them); keep them, or "
                                     "replace them with --force",
                                     opt->second, ext)});
        return;
      }
    auto id = identity::generate(opt->first);
    if (!id) { status = report(id.error()); return; }
    if (auto r = identity::save(*id, opt->second); !r) { status = report(r.error()); return; }
    if (flags->second)
      fmt::print("{}\n", nlohmann::json{{"agency", opt->first}, {"public", opt->second + ".pub"}, {"secret", opt->second + ".key"}}.dump());
    else
      fmt::print("agency '{}': {}.pub, {}.key (0600)\n", opt->first, opt->second, opt->second);
    status = 0;
  });
}

}  // namespace doormat::authority
