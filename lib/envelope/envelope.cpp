#include "escrow/envelope.hpp"

#include "escrow/ct.hpp"
#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/sealed_box.hpp"
#include "escrow/wire.hpp"

#include <algorithm>

namespace escrow::envelope {
namespace {

constexpr std::string_view kCannotOpen = "cannot open envelope";

uint8_t version_of(bool is_signed) { return is_signed ? wire::kVersionSenderBound : wire::kVersion; }

// ad = envelope header || H(escrow field) || L   (SPEC §7.2); the header carries the version, so a
// version-2 body does not open as version 1 (a stripped signature).
std::vector<uint8_t> associated_data(const tdh2::Ciphertext& escrow, bool is_signed) {
  wire::Writer w;
  w.header(wire::ObjectType::envelope, version_of(is_signed)).bytes(escrow_field_hash(escrow)).bytes(escrow.label);
  return w.take();
}

void write_unsigned_part(wire::Writer& w, const Envelope& e, bool is_signed) {
  w.header(wire::ObjectType::envelope, version_of(is_signed)).bytes_u16(e.escrow.encode()).bytes(e.recipient_box).bytes(e.nonce).bytes_u32(e.body);
}

Secret<32> aead_key(const tdh2::SessionKey& key) {
  Secret<32> out;
  Hasher(domain::kEnvelopeKey, 32).add(key.expose()).finish(out.expose());
  return out;
}

// libsodium's sealed-box format with the ephemeral key drawn from `rng`, so the vectors are
// reproducible (escrow/sealed_box.hpp). It refuses a low-order recipient key (crypto_box would
// derive an all-zero shared secret) before drawing any randomness.
Result<std::array<uint8_t, kBoxBytes>> seal_key_to(const X25519PublicKey& recipient, const tdh2::SessionKey& key, Rng& rng) {
  auto sealed = sealed_box::seal(key.expose(), recipient, rng);
  if (!sealed) return fail(sealed.error().category, "envelope::seal", sealed.error().detail);
  std::array<uint8_t, kBoxBytes> box{};
  static_assert(kBoxBytes == sealed_box::kOverhead + 32);
  std::copy(sealed->begin(), sealed->end(), box.begin());
  return box;
}

}  // namespace

std::array<uint8_t, 32> escrow_field_hash(const tdh2::Ciphertext& escrow) {
  return Hasher(domain::kEnvelopeFieldHash, 32).add(escrow.encode()).finish<32>();
}

std::vector<uint8_t> Envelope::encode() const {
  wire::Writer w;
  write_unsigned_part(w, *this, is_signed());
  if (sender_signature) w.bytes(*sender_signature);
  return w.take();
}

std::vector<uint8_t> Envelope::signed_bytes() const {
  wire::Writer w;
  write_unsigned_part(w, *this, true);
  return w.take();
}

Result<Envelope> Envelope::decode(std::span<const uint8_t> bytes) {
  constexpr std::string_view fn = "envelope::Envelope::decode";
  wire::Reader r(bytes, fn);
  const bool is_signed = bytes.size() > 4 && bytes[4] == wire::kVersionSenderBound;
  r.header(wire::ObjectType::envelope, version_of(is_signed));
  auto escrow = r.bytes_u16();
  const auto box = r.fixed<kBoxBytes>();
  const auto nonce = r.fixed<kNonceBytes>();
  auto body = r.bytes_u32(kMaxBodyBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  std::optional<signature::Signature> sig;
  if (is_signed) sig = r.fixed<64>();
  if (r.ok() && body.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) r.reject("body shorter than its tag");
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  auto ct = tdh2::Ciphertext::decode(escrow);
  if (!ct) return fail(ErrorCategory::malformed, fn, "escrow field: " + ct.error().detail);
  auto label = SessionLabel::decode(ct->label);
  if (!label) return fail(ErrorCategory::malformed, fn, "label: " + label.error().detail);
  // One version throughout: a signed envelope names its signer in the label, an unsigned one cannot.
  if (label->sender_key.has_value() != is_signed)
    return fail(ErrorCategory::malformed, fn, is_signed ? "a version-2 envelope needs a version-2 (sender-bound) label"
                                                        : "a version-1 envelope carries a version-1 label");
  return Envelope{std::move(*ct), box, nonce, std::vector<uint8_t>(body.begin(), body.end()), sig};
}

namespace {
Result<Envelope> seal_body(const tdh2::Ciphertext& escrow, const tdh2::SessionKey& key, const X25519PublicKey& recipient,
                           std::span<const uint8_t> plaintext, bool is_signed, Rng& rng) {
  constexpr std::string_view fn = "envelope::seal";
  if (plaintext.size() > kMaxBodyBytes) return fail(ErrorCategory::malformed, fn, "plaintext over 16 MiB");
  auto box = seal_key_to(recipient, key, rng);
  if (!box) return unexpected(box.error());
  Envelope env;
  env.escrow = escrow;
  env.recipient_box = *box;
  rng.fill(env.nonce);
  const auto ad = associated_data(env.escrow, is_signed);
  const auto k = aead_key(key);
  env.body.resize(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(env.body.data(), &len, plaintext.data(), plaintext.size(), ad.data(),
                                             ad.size(), nullptr, env.nonce.data(), k.expose().data());
  return env;
}
}  // namespace

Result<Envelope> seal_with_key(const tdh2::Ciphertext& escrow, const tdh2::SessionKey& key,
                               const X25519PublicKey& recipient, std::span<const uint8_t> plaintext, Rng& rng) {
  // A version-1 envelope carries a version-1 label (decode's rule): refuse to write one it refuses.
  if (auto label = SessionLabel::decode(escrow.label); label && label->sender_key)
    return fail(ErrorCategory::malformed, "envelope::seal", "a sender-bound label goes in a signed envelope (seal_signed)");
  return seal_body(escrow, key, recipient, plaintext, false, rng);
}

Result<Envelope> seal_signed_with_key(const tdh2::Ciphertext& escrow, const tdh2::SessionKey& key, const X25519PublicKey& recipient,
                                      std::span<const uint8_t> plaintext, const signature::SigningKey& sender_key, Rng& rng) {
  constexpr std::string_view fn = "envelope::seal_signed";
  auto label = SessionLabel::decode(escrow.label);
  if (!label || !label->sender_key) return fail(ErrorCategory::malformed, fn, "a signed envelope needs a sender-bound (version-2) label");
  // libsodium's secret key is seed || public key: the label must name the key that signs.
  if (!std::equal(label->sender_key->begin(), label->sender_key->end(), sender_key.expose().begin() + 32))
    return fail(ErrorCategory::malformed, fn, "the label's sender key is not the signing key's public half");
  auto env = seal_body(escrow, key, recipient, plaintext, true, rng);
  if (!env) return env;
  env->sender_signature = signature::sign(domain::kEnvelopeSenderSignature, env->signed_bytes(), sender_key);
  return env;
}

Result<Envelope> seal_signed(const tdh2::PublicKey& pk, const SessionLabel& label, const X25519PublicKey& recipient,
                             std::span<const uint8_t> plaintext, const signature::SigningKey& sender_key, Rng& rng) {
  if (!label.sender_key) return fail(ErrorCategory::malformed, "envelope::seal_signed", "a signed envelope needs a sender-bound (version-2) label");
  const auto key = tdh2::random_session_key(rng);
  auto escrow = tdh2::encrypt_recipient_verifiable(pk, key, label.encode(), rng);
  if (!escrow) return escrow::unexpected(escrow.error());
  return seal_signed_with_key(*escrow, key, recipient, plaintext, sender_key, rng);
}

Result<void> verify_sender(const Envelope& envelope, const IdentityKey& known_sender_key, uint64_t arrival, uint64_t max_skew) {
  constexpr std::string_view fn = "envelope::verify_sender";
  if (!envelope.sender_signature)
    return fail(ErrorCategory::policy_denied, fn, "unsigned envelope (version 1): its sender is not authenticated");
  auto label = envelope.label();
  if (!label) return escrow::unexpected(label.error());
  if (!label->sender_key) return fail(ErrorCategory::malformed, fn, "a signed envelope without a sender-bound label");
  if (!signature::verify(domain::kEnvelopeSenderSignature, envelope.signed_bytes(), *envelope.sender_signature, *label->sender_key))
    return fail(ErrorCategory::invalid_proof, fn, "the sender signature does not verify under the label's sender key");
  if (*label->sender_key != known_sender_key)
    return fail(ErrorCategory::policy_denied, fn, "the label's sender key is not the key known for '" + label->sender + "'");
  const uint64_t gap = label->time > arrival ? label->time - arrival : arrival - label->time;
  if (gap > max_skew)
    return fail(ErrorCategory::policy_denied, fn,
                "the label time is " + std::to_string(gap) + " s " + (label->time > arrival ? "after" : "before") +
                    " the arrival time (at most " + std::to_string(max_skew) + " s either way)");
  return {};
}

Result<Envelope> seal(const tdh2::PublicKey& pk, const SessionLabel& label, const X25519PublicKey& recipient,
                      std::span<const uint8_t> plaintext, Rng& rng) {
  const auto key = tdh2::random_session_key(rng);
  auto escrow = tdh2::encrypt_recipient_verifiable(pk, key, label.encode(), rng);
  if (!escrow) return escrow::unexpected(escrow.error());
  return seal_with_key(*escrow, key, recipient, plaintext, rng);
}

Result<SecureBytes> open_with_session_key(const Envelope& envelope, const tdh2::SessionKey& key) {
  const auto ad = associated_data(envelope.escrow, envelope.is_signed());
  const auto k = aead_key(key);
  if (envelope.body.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES)
    return fail(ErrorCategory::decryption_failed, "envelope::open", std::string(kCannotOpen));
  SecureBytes plain(envelope.body.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long len = 0;
  // Public, here and below: whether the envelope opens (the caller reports it).
  if (ct::declassify(crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &len, nullptr, envelope.body.data(), envelope.body.size(),
                                                                ad.data(), ad.size(), envelope.nonce.data(), k.expose().data())) != 0)
    return fail(ErrorCategory::decryption_failed, "envelope::open", std::string(kCannotOpen));
  return plain;
}

Result<SecureBytes> open(const tdh2::PublicKey& pk, const Envelope& envelope, const X25519PublicKey& recipient_public,
                         const X25519SecretKey& recipient_secret) {
  // One error for every failure below (SPEC §7.3): the sender learns nothing from which check failed.
  tdh2::SessionKey key;
  if (ct::declassify(crypto_box_seal_open(key.expose().data(), envelope.recipient_box.data(), envelope.recipient_box.size(),
                                          recipient_public.data(), recipient_secret.expose().data())) != 0)
    return fail(ErrorCategory::decryption_failed, "envelope::open", std::string(kCannotOpen));
  if (!tdh2::check_recipient(pk, envelope.escrow, key))
    return fail(ErrorCategory::decryption_failed, "envelope::open", std::string(kCannotOpen));
  return open_with_session_key(envelope, key);
}

}  // namespace escrow::envelope
