#include "enroll.hpp"

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

}  // namespace doormat::authority
