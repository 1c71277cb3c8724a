#include "enroll.hpp"

#include <fmt/format.h>

#include <memory>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "escrow/wire.hpp"
#include "json_fields.hpp"

namespace doormat::authority {
using escrow::ErrorCategory;
using escrow::fail;

escrow::Result<TrusteeEntry> enroll(const std::string& url) {
  auto r = http_get(url, "/v1/info");
  if (!r) return escrow::unexpected(r.error());
  return entry_from_info(url, *r);
}

escrow::Result<TrusteeEntry> entry_from_info(const std::string& url, const HttpReply& r) {
  const auto index = index_of(r.body, "trustee");
  if (r.status != 200 || !index) return fail(ErrorCategory::malformed, "directory::enroll", url + ": unexpected /v1/info reply");
  const auto key = bytes32_of(text_of(r.body, "ed25519")), box = bytes32_of(text_of(r.body, "x25519"));
  if (!key || !box) return fail(ErrorCategory::malformed, "directory::enroll", "bad ed25519 or x25519 key");
  return TrusteeEntry{*index, url, *key, *box};
}

void register_enroll(CLI::App& app, int& status) {
  auto dir = std::make_shared<std::pair<std::string, std::vector<std::string>>>();
  auto* enroll_cmd = app.add_subcommand("enroll", "record trustees' URLs and signing keys in a directory file");
  enroll_cmd->add_option("--directory", dir->first, "the directory file to write")->required();
  enroll_cmd->add_option("--url", dir->second, "a trustee's base URL (repeat)")->required();
  enroll_cmd->callback([dir, &status] {
    std::vector<TrusteeEntry> entries;
    for (const auto& url : dir->second) {
      auto e = enroll(url);
      if (!e) { status = report(e.error()); return; }
      fmt::print("trustee {} at {}: ed25519 {}\n", e->index, url, escrow::wire::to_hex(e->sign_key));
      entries.push_back(std::move(*e));
    }
    if (auto r = save_directory(dir->first, entries); !r) { status = report(r.error()); return; }
    status = 0;
  });
}

}  // namespace doormat::authority
