#include "escrow/label.hpp"

#include <sodium.h>

#include <algorithm>

#include "escrow/wire.hpp"

namespace escrow {
namespace {
std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
// Identities are names shown to judges and logged: refuse empty, over-long and control bytes.
bool valid_identity(std::span<const uint8_t> id) {
  return !id.empty() && id.size() <= SessionLabel::kMaxIdentityBytes &&
         std::none_of(id.begin(), id.end(), [](uint8_t b) { return b < 0x20 || b == 0x7f; });
}
// An identity key must be a point a signature can be checked against: canonical, on the curve,
// not of small order (libsodium's own rule for Ed25519 public keys).
bool valid_identity_key(std::span<const uint8_t, 32> key) { return crypto_core_ed25519_is_valid_point(key.data()) == 1; }
}  // namespace

Result<SessionLabel> SessionLabel::make_bound(std::string sender, const IdentityKey& sender_key, std::string recipient,
                                              uint64_t time, Rng& rng) {
  if (!valid_identity_key(sender_key))
    return fail(ErrorCategory::malformed, "SessionLabel::make_bound", "the sender key is not a valid Ed25519 public key");
  auto label = make(std::move(sender), std::move(recipient), time, rng);
  if (label) label->sender_key = sender_key;
  return label;
}

Result<SessionLabel> SessionLabel::make(std::string sender, std::string recipient, uint64_t time, Rng& rng) {
  if (!valid_identity(as_bytes(sender)) || !valid_identity(as_bytes(recipient)))
    return fail(ErrorCategory::malformed, "SessionLabel::make", "identities must be 1..255 bytes without control characters");
  SessionLabel label{std::move(sender), std::move(recipient), time, {}};
  rng.fill(label.session_id);
  return label;
}

// v1: header(01, 05) || sender || recipient || time || session id            (SPEC §3.6)
// v2: header(02, 05) || sender || sender key (32) || recipient || time || session id
std::vector<uint8_t> SessionLabel::encode() const {
  wire::Writer w;
  w.header(wire::ObjectType::session_label, sender_key ? wire::kVersionSenderBound : wire::kVersion).bytes_u8(as_bytes(sender));
  if (sender_key) w.bytes(*sender_key);
  w.bytes_u8(as_bytes(recipient)).u64(time).bytes(session_id);
  return w.take();
}

Result<SessionLabel> SessionLabel::decode(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "SessionLabel::decode");
  // The version byte picks the layout; Reader::header refuses any version but the one it is given.
  const bool bound = bytes.size() > 4 && bytes[4] == wire::kVersionSenderBound;
  r.header(wire::ObjectType::session_label, bound ? wire::kVersionSenderBound : wire::kVersion);
  auto sender = r.bytes_u8();
  std::optional<IdentityKey> key;
  if (bound) key = r.fixed<32>();
  auto recipient = r.bytes_u8();
  const uint64_t time = r.u64();
  const auto id = r.fixed<16>();
  if (r.ok() && (!valid_identity(sender) || !valid_identity(recipient)))
    r.reject("identities must be 1..255 bytes without control characters");
  if (r.ok() && key && !valid_identity_key(*key)) r.reject("the sender key is not a valid Ed25519 public key");
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return SessionLabel{std::string(sender.begin(), sender.end()), std::string(recipient.begin(), recipient.end()), time, id, key};
}

}  // namespace escrow
