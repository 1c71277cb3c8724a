#pragma once
/// TDH2 (Shoup–Gennaro 1998), a labeled CCA-secure threshold KEM over ristretto255 (SPEC §5).
///
///   encrypt(K, L):  c = K xor H1(rY), u = rG, ubar = r Gbar,
///                   (w, wbar, f) = DLEQ proof of log_G u = log_Gbar ubar bound to (c, L)
///                   (version 2; version 1 carried it as (e, f))
///   verify:         anyone checks the proof; no secret needed
///   partial_decrypt u_i = x_i u with a DLEQ proof that log_G Y_i = log_u u_i
///   combine:        verifies every partial, names every cheater, rY = sum lambda_i u_i over k
///                   valid ones, K = c xor H1(rY). The master secret x is never rebuilt.
///
/// Secret inputs: the session key K, r and s during encryption, a trustee's share x_i and its
/// proof nonce. Everything in Ciphertext, PartialDecryption and PublicKey is public.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <functional>
#include <span>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/group.hpp"
#include "escrow/party.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"

namespace escrow::tdh2 {

inline constexpr std::size_t kSessionKeyBytes = 32;
inline constexpr std::size_t kMaxLabelBytes = 1024;
using SessionKey = Secret<kSessionKeyBytes>;

struct PublicKey;

/// The fixed-base tables of a public key (group::FixedBase): Y's for encrypt and check_recipient,
/// every Y_i's for verify_partial. Each set is built on first use, once (thread-safe: a lost race
/// builds twice and keeps one), and rebuilt if the key's points have changed since (PublicKey's
/// members are public, and the DKG assembles keys by assignment): every use compares the table's
/// point with the key's, a public comparison. A copied key starts without tables. lib/tdh2/key_tables.cpp.
class KeyTables {
 public:
  KeyTables() = default;
  KeyTables(const KeyTables&) {}
  KeyTables& operator=(const KeyTables&) { return *this; }  // the assigned key's points are new
  ~KeyTables() = default;

  [[nodiscard]] group::FixedBase y(const PublicKey& pk) const;
  /// Y_i's table; i must be within 1..pk.n (PublicKey::verification_key's precondition).
  [[nodiscard]] group::FixedBase verification_key(const PublicKey& pk, PartyIndex i) const;

 private:
  mutable std::atomic<std::shared_ptr<const group::FixedBase>> y_;
  mutable std::atomic<std::shared_ptr<const std::vector<group::FixedBase>>> keys_;
};

/// The authority's public parameters: Y = xG and each trustee's verification key Y_i = x_i G.
struct PublicKey {
  uint8_t k = 0;       ///< threshold
  uint8_t n = 0;       ///< number of trustees
  uint32_t epoch = 0;  ///< bumped by every proactive refresh; partials carry it
  group::Point y;
  std::vector<group::Point> verification_keys;  ///< Y_1 .. Y_n

  /// Checks 1 <= k <= n, n keys, no identity point, and that Y and every Y_i lie on one
  /// polynomial of degree k-1 (so any k-subset of trustees decrypts to the same key).
  [[nodiscard]] static Result<PublicKey> make(uint8_t k, uint8_t n, uint32_t epoch, group::Point y,
                                              std::vector<group::Point> verification_keys);
  [[nodiscard]] const group::Point& verification_key(PartyIndex i) const {
    return verification_keys[i.value() - 1];
  }
  [[nodiscard]] std::vector<uint8_t> encode() const;
  [[nodiscard]] static Result<PublicKey> decode(std::span<const uint8_t> bytes);

  KeyTables tables;  ///< derived from y and verification_keys; not part of the encoding
};

/// Trustee i's share x_i of the authority's secret. Secret: reach it only through expose_secret().
/// Not copyable (a share is moved, never duplicated); encode() writes it into a zeroizing buffer.
class KeyShare {
 public:
  KeyShare(PartyIndex index, uint32_t epoch, group::SecretScalar secret)
      : index_(index), epoch_(epoch), secret_(std::move(secret)) {}
  [[nodiscard]] PartyIndex index() const { return index_; }
  [[nodiscard]] uint32_t epoch() const { return epoch_; }
  [[nodiscard]] const group::Scalar& expose_secret() const { return secret_.expose_secret(); }
  /// A second copy, asked for by name (it wipes itself too): a refresh keeps the old share
  /// while it computes the new one.
  [[nodiscard]] KeyShare clone() const { return KeyShare(index_, epoch_, group::SecretScalar(expose_secret())); }
  [[nodiscard]] SecureBytes encode() const;
  [[nodiscard]] static Result<KeyShare> decode(std::span<const uint8_t> bytes);

 private:
  PartyIndex index_;
  uint32_t epoch_;
  group::SecretScalar secret_;
};

/// The two wire forms of the escrow field's validity proof (SPEC §3.5), named by the format
/// version, as PartialFormat names a partial's: version 1 carries (e, f), which only a one-by-one
/// check can verify; version 2 carries the commitments (w, wbar, f), which a trustee checks for a
/// whole request in one batch (SPEC §5.3). encrypt writes version 2; version 1 stays readable.
enum class CiphertextFormat : uint8_t { challenge = 1, commitments = 2 };

/// The escrow field: (c, L, u, ubar, e, f) in version 1, 168 bytes plus the label; (c, L, u, ubar,
/// w, wbar, f) in version 2, 200 bytes plus the label.
struct Ciphertext {
  std::array<uint8_t, kSessionKeyBytes> c{};
  std::vector<uint8_t> label;
  group::Point u;
  group::Point ubar;
  group::Scalar e;  ///< version 1's challenge; unused (zero) in version 2, whose verifier computes it
  group::Scalar f;  ///< the response, in both versions
  CiphertextFormat format = CiphertextFormat::challenge;
  group::Point w{};     ///< version 2 only: s G (never the identity)
  group::Point wbar{};  ///< version 2 only: s Gbar (never the identity)

  [[nodiscard]] std::vector<uint8_t> encode() const;
  /// Parses and checks encodings only; call verify() before trusting it.
  [[nodiscard]] static Result<Ciphertext> decode(std::span<const uint8_t> bytes);
};

/// The two wire forms of a partial decryption's proof (SPEC §3.7), named by the format version:
/// version 1 carries (e_i, f_i), which only a one-by-one check can verify; version 2 carries the
/// commitments (a1, a2, f_i), which combine checks in one batch (SPEC §5.7). Trustees answer with
/// version 2; version 1 stays readable and verifiable.
enum class PartialFormat : uint8_t { challenge = 1, commitments = 2 };

/// Trustee i's answer: u_i = x_i u and a DLEQ proof of log_G Y_i = log_u u_i, in either form.
struct PartialDecryption {
  PartyIndex index;
  uint32_t epoch = 0;
  group::Point u_i;
  group::Scalar e_i;  ///< version 1's challenge; unused (zero) in version 2, whose verifier computes it
  group::Scalar f_i;  ///< the response, in both versions
  PartialFormat format = PartialFormat::challenge;
  group::Point a1{};  ///< version 2 only: s G (never the identity)
  group::Point a2{};  ///< version 2 only: s u (never the identity)

  [[nodiscard]] std::vector<uint8_t> encode() const;
  [[nodiscard]] static Result<PartialDecryption> decode(std::span<const uint8_t> bytes);
};

struct Dealt {
  PublicKey public_key;
  std::vector<KeyShare> shares;
};

/// Trusted-dealer key generation: one party sees x. For comparison and the attack demos; the
/// DKG (issue 4) is how an authority should be made.
[[nodiscard]] Result<Dealt> deal(std::size_t k, std::size_t n, Rng& rng);

/// Fresh random key, for callers who do not bring their own.
[[nodiscard]] SessionKey random_session_key(Rng& rng);

/// Plain TDH2: r uniform. Both encrypts write version 2 (CiphertextFormat::commitments).
[[nodiscard]] Result<Ciphertext> encrypt(const PublicKey& pk, const SessionKey& key,
                                         std::span<const uint8_t> label, Rng& rng);
/// Recipient-verifiable TDH2: r = H_{recipient-r}(K, L), so whoever knows K can recompute
/// (u, c). K must be fresh and uniform for each call (it is the only entropy in r).
[[nodiscard]] Result<Ciphertext> encrypt_recipient_verifiable(const PublicKey& pk,
                                                              const SessionKey& key,
                                                              std::span<const uint8_t> label,
                                                              Rng& rng);
class VerifiedCiphertext;

/// Public validity check (SPEC §5.3), of either version: malformed on a label over 1024 bytes or an
/// identity point, invalid_proof on any proof mismatch. What it returns is the proof of having
/// verified: a trustee that checks a batch first decrypts later without verifying each field twice.
[[nodiscard]] Result<VerifiedCiphertext> verify(const PublicKey& pk, Ciphertext ct);
/// verify() of many fields, each result exactly verify()'s for that field (SPEC §5.3's batch): the
/// version-2 fields that pass the checks without arithmetic are checked in one random linear
/// combination, weights from the system's CSPRNG, and one by one only when it fails; version 1 and
/// the libsodium build (whose multi-scalar product is the naive sum) one by one.
[[nodiscard]] std::vector<Result<VerifiedCiphertext>> verify_all(const PublicKey& pk, std::vector<Ciphertext> cts);
/// SPEC §5.3's batch itself: every field's two validity equations in one random linear combination,
/// 128-bit weights from rng (a CSPRNG: the senders must not know them), one group::multi_mul_vartime.
/// VARIABLE TIME: public inputs only. True: every field passes verify(), except with probability at
/// most 2^-128. False: some field is version 1, fails the cheap checks or fails its proof; which one,
/// only verify() says. Empty: true.
[[nodiscard]] bool verify_batch_vartime(std::span<const Ciphertext> cts, Rng& rng);
/// The recipient's re-encryption check (SPEC §5.4): ct is valid and hides exactly `key` under
/// the recipient-verifiable construction. Refuses with invalid_proof otherwise.
[[nodiscard]] Result<void> check_recipient(const PublicKey& pk, const Ciphertext& ct,
                                           const SessionKey& key);

/// A ciphertext that passed verify(). Only verify() makes one, so the overload of
/// partial_decrypt that takes it cannot be handed an unchecked field.
class VerifiedCiphertext {
 public:
  [[nodiscard]] const Ciphertext& get() const { return ct_; }

 private:
  friend Result<VerifiedCiphertext> verify(const PublicKey& pk, Ciphertext ct);
  friend std::vector<Result<VerifiedCiphertext>> verify_all(const PublicKey& pk, std::vector<Ciphertext> cts);
  explicit VerifiedCiphertext(Ciphertext ct) : ct_(std::move(ct)) {}
  Ciphertext ct_;
};

/// Trustee step (SPEC §5.5) on an already verified field.
[[nodiscard]] Result<PartialDecryption> partial_decrypt(const PublicKey& pk, const KeyShare& share,
                                                        const VerifiedCiphertext& ct, Rng& rng);

/// Trustee step (SPEC §5.5): verifies ct first, then returns x_i u with its proof.
/// The caller (the trustee daemon) must already have checked that ct's label is in scope.
[[nodiscard]] Result<PartialDecryption> partial_decrypt(const PublicKey& pk, const KeyShare& share,
                                                        const Ciphertext& ct, Rng& rng);
/// Checks index range, epoch and the DLEQ proof of one partial, of either version (SPEC §5.6).
[[nodiscard]] Result<void> verify_partial(const PublicKey& pk, const Ciphertext& ct,
                                          const PartialDecryption& partial);
/// SPEC §5.7's batch (Bellare–Garay–Rabin small exponents): every version-2 proof's two equations
/// in one random linear combination, weights of 128 bits drawn from rng (a CSPRNG: the provers
/// must not know them), evaluated by one group::multi_mul_vartime. VARIABLE TIME: public inputs
/// only. True: every partial passes verify_partial, except with probability at most 2^-128.
/// False: some partial is version 1, fails 5.6's cheap checks or fails its proof; which one, only
/// verify_partial says. Empty: true.
[[nodiscard]] bool verify_partials_batch_vartime(const PublicKey& pk, const Ciphertext& ct,
                                                 std::span<const PartialDecryption> partials, Rng& rng);

struct Combined {
  SessionKey key;
  std::vector<PartyIndex> used;      ///< the k parties interpolated, ascending
  std::vector<PartyIndex> cheaters;  ///< every party whose partial failed, ascending
};

/// Combiner (SPEC §5.7): verifies ct and every partial (the version-2 ones in one batch from the
/// system's CSPRNG, one by one only when the batch fails; always one by one under libsodium, whose
/// multi-scalar product is the naive sum), blames every failure, and recovers K
/// from the k valid partials with the lowest indices. Fewer than k valid: not_enough_shares with
/// the cheaters in Error::blame. Duplicate indices: malformed (the caller's input is wrong).
[[nodiscard]] Result<Combined> combine(const PublicKey& pk, const Ciphertext& ct,
                                       std::span<const PartialDecryption> partials);

/// Optimistic combine (SPEC §5.8): interpolate the k lowest-indexed partials without checking
/// their proofs and keep K if `accept(K)` holds (the envelope's AEAD opens under it). Only when it
/// does not are the ciphertext and every proof checked, every cheater named, and K recomputed
/// from valid partials and offered to `accept` again. Cheap checks (range, epoch, duplicates)
/// always run. Safe because a wrong K cannot open the AEAD; not a replacement for combine()
/// where no such check of K exists.
[[nodiscard]] Result<Combined> combine_optimistic(const PublicKey& pk, const Ciphertext& ct,
                                                  std::span<const PartialDecryption> partials,
                                                  const std::function<bool(const SessionKey&)>& accept);

/// The DLEQ context of a partial decryption's proof (SPEC §5.5): epoch (4 bytes, big-endian) and
/// party index, so a proof cannot be replayed under another index or after a refresh.
[[nodiscard]] std::array<uint8_t, 5> partial_proof_context(uint32_t epoch, PartyIndex index);

// The deterministic cores that take (r, s) or a proof nonce are not here: they are in
// lib/tdh2/tdh2_detail.hpp, private to this module, and the tests reach them through the test-only
// target doormat_tdh2_testing (tests/testing/tdh2_testing.hpp), which no shipped program links.

}  // namespace escrow::tdh2
