#include "escrow/envelope.hpp"

#include "escrow/ct.hpp"
#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/sealed_box.hpp"
#include "escrow/wire.hpp"

namespace escrow::envelope {
namespace {

constexpr std::string_view kCannotOpen = "cannot open envelope";

// ad = envelope header || H(escrow field) || L   (SPEC §7.2)
std::vector<uint8_t> associated_data(const tdh2::Ciphertext& escrow) {
  wire::Writer w;
  w.header(wire::ObjectType::envelope).bytes(escrow_field_hash(escrow)).bytes(escrow.label);
  return w.take();
}

Secret<32> aead_key(const tdh2::SessionKey& key) {
  Secret<32> out;
  Hasher(domain::kEnvelopeKey, 32).add(key.expose()).finish(out.expose());
  return out;
}

// libsodium's sealed-box format with the ephemeral key drawn from `rng`, so the vectors are
// reproducible (escrow/sealed_box.hpp). seal() checked the recipient key first.
std::array<uint8_t, kBoxBytes> seal_key_to(const X25519PublicKey& recipient, const tdh2::SessionKey& key, Rng& rng) {
  const auto sealed = sealed_box::seal(key.expose(), recipient, rng);
  if (!sealed || sealed->size() != kBoxBytes) std::abort();
  std::array<uint8_t, kBoxBytes> box{};
  std::copy(sealed->begin(), sealed->end(), box.begin());
  return box;
}

}  // namespace

std::array<uint8_t, 32> escrow_field_hash(const tdh2::Ciphertext& escrow) {
  return Hasher(domain::kEnvelopeFieldHash, 32).add(escrow.encode()).finish<32>();
}

std::vector<uint8_t> Envelope::encode() const {
  wire::Writer w;
  w.header(wire::ObjectType::envelope).bytes_u16(escrow.encode()).bytes(recipient_box).bytes(nonce).bytes_u32(body);
  return w.take();
}

Result<Envelope> Envelope::decode(std::span<const uint8_t> bytes) {
  constexpr std::string_view fn = "envelope::Envelope::decode";
  wire::Reader r(bytes, fn);
  r.header(wire::ObjectType::envelope);
  auto escrow = r.bytes_u16();
  const auto box = r.fixed<kBoxBytes>();
  const auto nonce = r.fixed<kNonceBytes>();
  auto body = r.bytes_u32(kMaxBodyBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  if (r.ok() && body.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) r.reject("body shorter than its tag");
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  auto ct = tdh2::Ciphertext::decode(escrow);
  if (!ct) return fail(ErrorCategory::malformed, fn, "escrow field: " + ct.error().detail);
  if (auto label = SessionLabel::decode(ct->label); !label)
    return fail(ErrorCategory::malformed, fn, "label: " + label.error().detail);
  return Envelope{std::move(*ct), box, nonce, std::vector<uint8_t>(body.begin(), body.end())};
}

Result<Envelope> seal_with_key(const tdh2::Ciphertext& escrow, const tdh2::SessionKey& key,
                               const X25519PublicKey& recipient, std::span<const uint8_t> plaintext, Rng& rng) {
  constexpr std::string_view fn = "envelope::seal";
  if (plaintext.size() > kMaxBodyBytes) return fail(ErrorCategory::malformed, fn, "plaintext over 16 MiB");
  // crypto_box refuses keys that give an all-zero shared secret (the low-order points, not only
  // zero); check before drawing randomness.
  if (!sealed_box::usable(recipient)) return fail(ErrorCategory::malformed, fn, "recipient key is a low-order X25519 point");
  Envelope env;
  env.escrow = escrow;
  env.recipient_box = seal_key_to(recipient, key, rng);
  rng.fill(env.nonce);
  const auto ad = associated_data(env.escrow);
  const auto k = aead_key(key);
  env.body.resize(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(env.body.data(), &len, plaintext.data(), plaintext.size(), ad.data(),
                                             ad.size(), nullptr, env.nonce.data(), k.expose().data());
  return env;
}

Result<Envelope> seal(const tdh2::PublicKey& pk, const SessionLabel& label, const X25519PublicKey& recipient,
                      std::span<const uint8_t> plaintext, Rng& rng) {
  const auto key = tdh2::random_session_key(rng);
  auto escrow = tdh2::encrypt_recipient_verifiable(pk, key, label.encode(), rng);
  if (!escrow) return escrow::unexpected(escrow.error());
  return seal_with_key(*escrow, key, recipient, plaintext, rng);
}

Result<SecureBytes> open_with_session_key(const Envelope& envelope, const tdh2::SessionKey& key) {
  const auto ad = associated_data(envelope.escrow);
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
