#pragma once
// Private to lib/schemes: what naive-shamir, threshold-elgamal, tdh2 and tdh2-crumple share —
// one secret x Shamir-shared among n trustees (Y = xG, Y_i = x_i G), a dealer or a DKG to make
// it, stealing shares, rebuilding x from them, and (where the design has it) refresh.
#include <map>

#include "escrow/dkg.hpp"
#include "escrow/schemes.hpp"

namespace escrow::schemes {

class SharedKeyScheme : public Scheme {
 public:
  [[nodiscard]] std::size_t threshold() const override { return pk_.k; }
  [[nodiscard]] std::size_t trustees() const override { return pk_.n; }
  [[nodiscard]] uint32_t epoch() const override { return pk_.epoch; }
  [[nodiscard]] TrusteeSecret steal(PartyIndex i) const override;
  [[nodiscard]] Result<Decryptor> decryptor(std::span<const TrusteeSecret> stolen) const override;
  [[nodiscard]] std::vector<TrusteeSecret> keygen_view() const override { return keygen_view_; }
  [[nodiscard]] const tdh2::PublicKey& public_key() const { return pk_; }

 protected:
  /// Makes the key with a dealer (every share passes through one party) or with `protocol`.
  [[nodiscard]] Result<void> generate(const Config& config, bool dealer, dkg::Protocol protocol, Rng& rng);
  /// GJKR proactive refresh among the n trustees: same Y, new shares, epoch + 1.
  [[nodiscard]] Result<void> refresh_shares(Rng& rng);
  [[nodiscard]] const tdh2::KeyShare& share(PartyIndex i) const { return shares_[i.value() - 1]; }
  /// K from the field given the whole secret x (or an attacker's guess at it).
  [[nodiscard]] virtual Result<SessionKey> open_with_master(const group::Scalar& x, const Session& s) const = 0;

  tdh2::PublicKey pk_;
  std::vector<tdh2::KeyShare> shares_;
  std::vector<TrusteeSecret> keygen_view_;
};

/// The 64-byte field of naive-shamir and threshold-elgamal (SPEC §13): u = rG || c = K xor H(rY [, L]).
struct ElGamalField {
  group::Point u;
  std::array<uint8_t, 32> c{};
  [[nodiscard]] std::vector<uint8_t> encode() const;
  /// `scheme` names the design in the error.
  [[nodiscard]] static Result<ElGamalField> decode(std::span<const uint8_t> bytes, std::string_view scheme);
};

/// Hashed ElGamal both ways: c = K xor H_tag(rY [, L]) to escrow, K = c xor H_tag(xu [, L]) to open.
[[nodiscard]] SessionKey apply_mask(std::string_view tag, std::span<const uint8_t, 32> c, const group::Point& shared,
                                std::span<const uint8_t> label = {});
/// Sum of lambda_i u_i over the answers' partials: x·u from partials x_i·u, proofs not checked.
[[nodiscard]] Result<group::Point> interpolate_partials(std::span<const tdh2::PartialDecryption> partials);
/// The same from trustees' answers that each carry an encoded partial (unblinding a mauled field).
[[nodiscard]] Result<group::Point> interpolate_answers(std::span<const Answer> answers);
/// The 2^t search of tdh2-crumple: the withheld low bits of K, tried against `opens`.
[[nodiscard]] Result<SessionKey> complete_by_search(const SessionKey& partial_key, unsigned bits, const KeyCheck& opens);
/// K with its lowest `bits` bits cleared: what tdh2-crumple escrows.
[[nodiscard]] SessionKey withhold_bits(const SessionKey& key, unsigned bits);

}  // namespace escrow::schemes
