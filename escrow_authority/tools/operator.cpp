// `escrow-authority operator new`: the key that runs ceremonies. A trustee initialised with
// `--operator PREFIX.pub` takes part only in a DKG or refresh whose every call this key signed
// (SPEC §12.4); the coordinator signs with PREFIX.key. It is an identity (app/identity.hpp) whose
// Ed25519 half is the one used.
#include <filesystem>

#include "commands.hpp"
#include "identity.hpp"

namespace doormat::authority {

void register_operator(CLI::App& app, int& status) {
  auto* op = app.add_subcommand("operator", "the operator key that authorises ceremonies")->require_subcommand(1);
  auto prefix = std::make_shared<std::string>();
  auto* make = op->add_subcommand("new", "create the operator's keys: PREFIX.pub (give to `trustee init --operator`), PREFIX.key (0600)");
  make->add_option("--out", *prefix, "path prefix")->required();
  make->callback([prefix, &status] {
    for (const auto* ext : {".pub", ".key"})
      if (std::filesystem::exists(*prefix + ext)) {
        status = report({escrow::ErrorCategory::policy_denied, "operator new", *prefix + ext + " exists: refusing to overwrite a key"});
        return;
      }
    auto id = identity::generate("operator");
    if (!id) { status = report(id.error()); return; }
    if (auto r = identity::save(*id, *prefix); !r) { status = report(r.error()); return; }
    fmt::print("operator key: {}.pub (for trustee init --operator), {}.key (0600, for ceremony dkg|refresh --operator)\n", *prefix, *prefix);
    status = 0;
  });
}

}  // namespace doormat::authority
