#include "directory.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include "escrow/wire.hpp"
#include "files.hpp"

namespace doormat::authority {
using escrow::ErrorCategory;
using escrow::fail;

namespace {
escrow::Result<HttpReply> reply_of(const httplib::Result& r, const std::string& url) {
  if (!r) return fail(ErrorCategory::internal, "http", url + ": " + httplib::to_string(r.error()));
  auto body = nlohmann::json::parse(r->body, nullptr, false);
  if (body.is_discarded()) return fail(ErrorCategory::malformed, "http", url + ": reply is not JSON");
  return HttpReply{r->status, std::move(body)};
}

httplib::Client client(const std::string& url, int read_timeout_seconds = 60) {
  httplib::Client c(url);
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(read_timeout_seconds, 0);
  c.set_write_timeout(10, 0);
  return c;
}
}  // namespace

std::string text_of(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return {};
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<uint8_t> index_of(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(field);
  if (it == object.end() || !it->is_number_unsigned()) return std::nullopt;
  const auto v = it->get<uint64_t>();
  if (v < 1 || v > 255) return std::nullopt;
  return static_cast<uint8_t>(v);
}

std::optional<std::array<uint8_t, 32>> bytes32_of(std::string_view hex) {
  auto b = escrow::wire::from_hex(hex);
  if (!b || b->size() != 32) return std::nullopt;
  std::array<uint8_t, 32> out{};
  std::copy(b->begin(), b->end(), out.begin());
  return out;
}

escrow::Result<HttpReply> http_get(const std::string& url, const std::string& path) {
  auto c = client(url);
  return reply_of(c.Get(path.c_str()), url);
}

escrow::Result<HttpReply> http_post(const std::string& url, const std::string& path, const nlohmann::json& body, int timeout_seconds) {
  auto c = client(url, timeout_seconds);
  return reply_of(c.Post(path.c_str(), body.dump(), "application/json"), url);
}

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

escrow::Result<escrow::translog::TreeHead> fetch_head(const std::string& url) {
  // Transport failures and refusals are `internal`/`policy_denied`; only a head that arrived and
  // does not decode is `malformed` (the auditor tells the two apart).
  auto r = http_get(url, "/v1/log/head");
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
