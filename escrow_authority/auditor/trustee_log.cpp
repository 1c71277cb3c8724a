#include "trustee_log.hpp"

#include <fmt/format.h>

#include "escrow/wire.hpp"
#include "json_fields.hpp"

namespace doormat::authority {
using escrow::ErrorCategory;
using escrow::fail;

escrow::Result<escrow::translog::TreeHead> fetch_head(const std::string& url, int timeout_seconds) {
  // Transport failures and refusals are `internal`/`policy_denied`; only a head that arrived and
  // does not decode is `malformed` (the auditor tells the two apart).
  auto r = http_get(url, "/v1/log/head", timeout_seconds);
  if (!r) return fail(ErrorCategory::internal, "directory::fetch_head", r.error().detail);
  return head_from_reply(url, *r);
}

escrow::Result<escrow::translog::TreeHead> head_from_reply(const std::string& url, const HttpReply& r) {
  if (r.status != 200) return fail(ErrorCategory::policy_denied, "directory::fetch_head", url + ": head refused");
  auto bytes = escrow::wire::from_hex(text_of(r.body, "tree_head"));
  if (!bytes) return escrow::unexpected(bytes.error());
  return escrow::translog::TreeHead::decode(*bytes);
}

std::optional<std::vector<escrow::translog::Hash>> proof_from_reply(const HttpReply& r) {
  if (r.status != 200 || !r.body.is_object() || !r.body.contains("proof") || !r.body["proof"].is_array()) return std::nullopt;
  std::vector<escrow::translog::Hash> proof;
  for (const auto& h : r.body["proof"]) {
    const auto x = h.is_string() ? bytes32_of(h.get<std::string>()) : std::nullopt;
    if (!x) return std::nullopt;
    proof.push_back(*x);
  }
  return proof;
}

bool log_extends(const std::string& url, uint64_t old_size, const escrow::translog::Hash& old_root,
                 const escrow::translog::TreeHead& newer) {
  if (old_size > newer.size) return false;
  std::vector<escrow::translog::Hash> proof;
  if (old_size > 0 && old_size < newer.size) {
    auto r = http_get(url, fmt::format("/v1/log/consistency?from={}&to={}", old_size, newer.size));
    if (!r) return false;
    auto parsed = proof_from_reply(*r);
    if (!parsed) return false;
    proof = std::move(*parsed);
  }
  return escrow::translog::verify_consistency(old_size, newer.size, old_root, newer.root, proof);
}

}  // namespace doormat::authority
