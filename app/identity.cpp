#include "identity.hpp"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "escrow/wire.hpp"
#include "files.hpp"

namespace doormat::identity {
using escrow::ErrorCategory;
using escrow::fail;
using nlohmann::json;

namespace {

template <std::size_t N>
escrow::Result<void> hex_into(const json& j, const char* field, std::span<uint8_t, N> out) {
  if (!j.contains(field) || !j[field].is_string()) return fail(ErrorCategory::malformed, "identity::load", std::string("missing ") + field);
  auto bytes = escrow::wire::from_hex(j[field].get<std::string>());
  if (!bytes || bytes->size() != N) return fail(ErrorCategory::malformed, "identity::load", std::string("bad ") + field);
  std::copy(bytes->begin(), bytes->end(), out.begin());
  sodium_memzero(bytes->data(), bytes->size());
  return {};
}

escrow::Result<json> parse(const std::string& path) {
  auto text = files::read_text(path);
  if (!text) return escrow::unexpected(text.error());
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(ErrorCategory::malformed, "identity::load", path + " is not a JSON object");
  return j;
}

json public_json(const Public& p) {
  return {{"format", "doormat-identity-v1"}, {"name", p.name}, {"x25519", escrow::wire::to_hex(p.box_key)},
          {"ed25519", escrow::wire::to_hex(p.sign_key)}};
}

escrow::Result<Public> public_from(const json& j) {
  Public p;
  if (!j.contains("name") || !j["name"].is_string()) return fail(ErrorCategory::malformed, "identity::load", "missing name");
  p.name = j["name"].get<std::string>();
  // The name goes into session labels, so it follows their rule (SPEC §3.6).
  const bool control = std::any_of(p.name.begin(), p.name.end(), [](char c) { return static_cast<uint8_t>(c) < 0x20 || c == 0x7f; });
  if (p.name.empty() || p.name.size() > 255 || control)
    return fail(ErrorCategory::malformed, "identity::load", "name must be 1..255 bytes without control characters");
  if (auto r = hex_into<32>(j, "x25519", p.box_key); !r) return escrow::unexpected(r.error());
  if (auto r = hex_into<32>(j, "ed25519", p.sign_key); !r) return escrow::unexpected(r.error());
  return p;
}

}  // namespace

escrow::Result<Identity> generate(const std::string& name) {
  if (name.empty() || name.size() > 255) return fail(ErrorCategory::malformed, "identity::generate", "name must be 1..255 bytes");
  Identity id;
  id.pub.name = name;
  crypto_box_keypair(id.pub.box_key.data(), id.box_secret.expose().data());
  crypto_sign_keypair(id.pub.sign_key.data(), id.sign_secret.expose().data());
  return id;
}

escrow::Result<void> save(const Identity& id, const std::string& prefix) {
  if (auto r = files::write_text(prefix + ".pub", public_json(id.pub).dump(2) + "\n"); !r) return r;
  json secret = public_json(id.pub);
  secret["x25519_secret"] = escrow::wire::to_hex(id.box_secret.expose());
  secret["ed25519_secret"] = escrow::wire::to_hex(id.sign_secret.expose());
  std::string text = secret.dump(2) + "\n";
  auto r = files::write_text(prefix + ".key", text, /*secret=*/true);
  sodium_memzero(text.data(), text.size());
  return r;
}

escrow::Result<Identity> load(const std::string& key_path) {
  auto j = parse(key_path);
  if (!j) return escrow::unexpected(j.error());
  auto pub = public_from(*j);
  if (!pub) return escrow::unexpected(pub.error());
  Identity id;
  id.pub = *pub;
  if (auto r = hex_into<32>(*j, "x25519_secret", id.box_secret.expose()); !r) return escrow::unexpected(r.error());
  if (auto r = hex_into<64>(*j, "ed25519_secret", id.sign_secret.expose()); !r) return escrow::unexpected(r.error());
  // The secret halves must match the public ones, or every signature would be refused later.
  std::array<uint8_t, 32> derived{};
  crypto_scalarmult_base(derived.data(), id.box_secret.expose().data());
  if (derived != id.pub.box_key || !std::equal(id.pub.sign_key.begin(), id.pub.sign_key.end(), id.sign_secret.expose().begin() + 32))
    return fail(ErrorCategory::malformed, "identity::load", key_path + ": secret and public keys do not match");
  return id;
}

escrow::Result<Public> load_public(const std::string& pub_path) {
  auto j = parse(pub_path);
  if (!j) return escrow::unexpected(j.error());
  return public_from(*j);
}

}  // namespace doormat::identity
