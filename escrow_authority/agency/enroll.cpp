#include "enroll.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
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
  auto flags = std::make_shared<std::pair<bool, bool>>(false, false);  // --force, --json
  auto* enroll_cmd = app.add_subcommand("enroll", "record trustees' URLs and signing keys in a directory file");
  enroll_cmd->add_option("--directory", dir->first, "the directory file to write")->required();
  enroll_cmd->add_option("--url", dir->second, "a trustee's base URL (repeat)")->required();
  enroll_cmd->add_flag("--force", flags->first, "replace a directory whose trustees or keys differ from what the trustees report now");
  enroll_cmd->add_flag("--json", flags->second, "print JSON");
  enroll_cmd->callback([dir, flags, &status] {
    std::vector<TrusteeEntry> entries;
    for (const auto& url : dir->second) {
      auto e = enroll(url);
      if (!e) { status = report(e.error()); return; }
      entries.push_back(std::move(*e));
    }
    // The directory pins each trustee's keys. Re-enrolling the same trustees at new URLs (a
    // restart) is fine; a trustee dropped, or a key that changed, is refused without --force.
    if (!flags->first && std::filesystem::exists(dir->first)) {
      auto old = load_directory(dir->first);
      if (!old) { status = report(old.error()); return; }
      for (const auto& o : *old) {
        auto now = std::find_if(entries.begin(), entries.end(), [&](const TrusteeEntry& e) { return e.index == o.index; });
        const char* why = now == entries.end() ? "is not among the trustees enrolled now"
                          : now->sign_key != o.sign_key || now->box_key != o.box_key ? "reports other keys than the ones recorded"
                                                                                     : nullptr;
        if (why) {
          status = report({ErrorCategory::policy_denied, "enroll",
                           fmt::format("trustee {} recorded in {} {}; check it, then replace the directory with --force", o.index,
                                       dir->first, why)});
          return;
        }
      }
    }
    if (auto r = save_directory(dir->first, entries); !r) { status = report(r.error()); return; }
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : entries) {
      if (flags->second) out.push_back({{"trustee", e.index}, {"url", e.url}, {"ed25519", escrow::wire::to_hex(e.sign_key)}});
      else fmt::print("trustee {} at {}: ed25519 {}\n", e.index, e.url, escrow::wire::to_hex(e.sign_key));
    }
    if (flags->second) fmt::print("{}\n", nlohmann::json{{"directory", dir->first}, {"trustees", out}}.dump());
    status = 0;
  });
}

}  // namespace doormat::authority
