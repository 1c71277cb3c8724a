// `escrow-authority ceremony dealer`: the trusted-dealer key generation (SPEC §5.1). The dealer
// sees the master secret; the DKG of issue 4 will add `ceremony dkg`.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "escrow/tdh2.hpp"
#include "files.hpp"

namespace doormat::authority {

void register_ceremony(CLI::App& app, int& status) {
  auto* ceremony = app.add_subcommand("ceremony", "create the authority's key")->require_subcommand(1);
  struct Options {
    std::size_t k = 3, n = 5;
    std::string out;
    bool force = false, json = false;
  };
  auto opt = std::make_shared<Options>();
  auto* dealer = ceremony->add_subcommand(
      "dealer", "trusted dealer: one process makes x, splits it k-of-n, writes the public key and one share file per trustee");
  dealer->add_option("-k,--threshold", opt->k, "trustees needed to decrypt")->check(CLI::Range(1, 255));
  dealer->add_option("-n,--trustee-count", opt->n, "how many trustees (--trustees names a directory file elsewhere)")->check(CLI::Range(1, 255));
  dealer->add_option("--out", opt->out, "folder for authority.pub and share-<i>.bin")->required();
  dealer->add_flag("--force", opt->force, "replace an authority.pub or share files already in --out");
  dealer->add_flag("--json", opt->json, "print JSON");
  dealer->callback([opt, &status] {
    if (!opt->force && std::filesystem::exists(opt->out + "/authority.pub")) {
      status = report({escrow::ErrorCategory::policy_denied, "ceremony dealer",
                       opt->out + "/authority.pub exists: this folder already holds an authority's key and shares; use another "
                                  "--out, or replace them with --force"});
      return;
    }
    if (opt->k > opt->n) {
      status = report({escrow::ErrorCategory::malformed, "ceremony dealer", "k must not exceed n"});
      return;
    }
    escrow::SystemRng rng;
    auto dealt = escrow::tdh2::deal(opt->k, opt->n, rng);
    if (!dealt) {
      status = report(dealt.error());
      return;
    }
    std::filesystem::create_directories(opt->out);
    if (auto r = files::write(opt->out + "/authority.pub", dealt->public_key.encode()); !r) {
      status = report(r.error());
      return;
    }
    for (const auto& share : dealt->shares) {
      const auto path = fmt::format("{}/share-{}.bin", opt->out, share.index().value());
      if (auto r = files::write(path, share.encode(), /*secret=*/true); !r) {
        status = report(r.error());
        return;
      }
    }
    if (opt->json) {
      nlohmann::json shares = nlohmann::json::array();
      for (std::size_t i = 1; i <= opt->n; ++i) shares.push_back(fmt::format("{}/share-{}.bin", opt->out, i));
      fmt::print("{}\n", nlohmann::json{{"k", opt->k}, {"n", opt->n}, {"authority", opt->out + "/authority.pub"}, {"shares", shares},
                                         {"key_generation", "dealer"}}.dump());
      status = 0;
      return;
    }
    fmt::print("dealt a {}-of-{} authority: {}/authority.pub and share-1..{}.bin (0600; hand each to its trustee, "
               "then delete)\n",
               opt->k, opt->n, opt->out, opt->n);
    fmt::print("warning: this process saw the master secret; the DKG (issue 4) is how an authority should be made\n");
    status = 0;
  });
}

}  // namespace doormat::authority
