#include "directory.hpp"

#include <nlohmann/json.hpp>

#include "escrow/wire.hpp"
#include "files.hpp"
#include "json_fields.hpp"

namespace doormat::authority {
using escrow::ErrorCategory;
using escrow::fail;

escrow::Result<std::vector<TrusteeEntry>> load_directory(const std::string& path) {
  auto text = files::read_text(path);
  if (!text) return escrow::unexpected(text.error());
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_array()) return fail(ErrorCategory::malformed, "directory::load", path + " is not a JSON array");
  std::vector<TrusteeEntry> out;
  for (const auto& e : j) {
    const auto index = index_of(e, "trustee");
    const auto url = text_of(e, "url");
    if (!index || url.empty() || !e.contains("ed25519"))
      return fail(ErrorCategory::malformed, "directory::load", "each entry needs trustee (1..255), url and ed25519");
    const auto key = bytes32_of(text_of(e, "ed25519"));
    if (!key) return fail(ErrorCategory::malformed, "directory::load", "bad ed25519 key");
    TrusteeEntry t{*index, url, *key, {}};
    if (e.contains("x25519")) {
      const auto box = bytes32_of(text_of(e, "x25519"));
      if (!box) return fail(ErrorCategory::malformed, "directory::load", "bad x25519 key");
      t.box_key = *box;
    }
    out.push_back(std::move(t));
  }
  return out;
}

escrow::Result<void> save_directory(const std::string& path, const std::vector<TrusteeEntry>& entries) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : entries) j.push_back({{"trustee", e.index}, {"url", e.url}, {"ed25519", escrow::wire::to_hex(e.sign_key)},
               {"x25519", escrow::wire::to_hex(e.box_key)}});
  return files::write_text(path, j.dump(2) + "\n");
}

}  // namespace doormat::authority
