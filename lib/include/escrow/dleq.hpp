#pragma once
/// Chaum–Pedersen proof that log_{g1} h1 = log_{g2} h2, made non-interactive with a
/// domain-separated Fiat–Shamir hash (SPEC §4.3):
///
///   prover:   a1 = s g1, a2 = s g2, e = H_tag(ctx..., g1, h1, g2, h2, a1, a2), f = s + e x
///   verifier: a1 = f g1 - e h1, a2 = f g2 - e h2, accept iff e = H_tag(... same inputs ...)
///
/// The witness x and the nonce s are secret.
///
/// Two proof forms (SPEC §4.3, §4.4). `Proof` is (e, f): the verifier rebuilds a1, a2 to hash them,
/// so several proofs cannot be checked together. `CommittedProof` is (a1, a2, f): the verifier
/// recomputes e from the commitments it is given, so the two equations
///   f g1 = a1 + e h1,  f g2 = a2 + e h2
/// are linear in the proof and many of them can be checked in one random linear combination
/// (tdh2's combine, SPEC §5.7). A caller gives each form its own tag, so that a proof of one form
/// is never read as the other.
#include <initializer_list>
#include <span>
#include <string_view>

#include "escrow/group.hpp"

namespace escrow::dleq {

struct Statement {
  const group::Point& g1;
  const group::Point& h1;
  const group::Point& g2;
  const group::Point& h2;
  /// h1's fixed-base table, when the caller keeps one (tdh2's Y_i): verify then takes
  /// f·g1 - e·h1 from two tables, faster than the variable-time double product.
  const group::FixedBase* h1_table = nullptr;
  /// g2's fixed-base table, when the prover multiplies g2 by a secret more than once (tdh2's
  /// partial decryption: x_i·u and the nonce's w·u from one table of u); constant time, as g2·w.
  const group::FixedBase* g2_table = nullptr;
};

struct Proof {
  group::Scalar challenge;  ///< e
  group::Scalar response;   ///< f
};

/// The form that carries its commitments (SPEC §4.4). Public, like Proof.
struct CommittedProof {
  group::Point a1;         ///< s g1, never the identity
  group::Point a2;         ///< s g2, never the identity
  group::Scalar response;  ///< f = s + e x
};

using Context = std::initializer_list<std::span<const uint8_t>>;

[[nodiscard]] Proof prove(std::string_view tag, Context context, const Statement& statement,
                          const group::Scalar& witness, Rng& rng);
/// Deterministic core of prove(), for test vectors. Never reuse a nonce: two proofs with the same
/// nonce and different challenges reveal the witness.
[[nodiscard]] Proof prove_with_nonce(std::string_view tag, Context context, const Statement& statement,
                                     const group::Scalar& witness, const group::Scalar& nonce);
/// Public inputs only: the two equations are computed in variable time (group::double_mul_vartime,
/// SPEC §8), or from tables when h1_table is given.
[[nodiscard]] bool verify(std::string_view tag, Context context, const Statement& statement,
                          const Proof& proof);

/// The committed form (SPEC §4.4): a1 = s g1, a2 = s g2, e = committed_challenge(...), f = s + e x.
[[nodiscard]] CommittedProof prove_committed(std::string_view tag, Context context, const Statement& statement,
                                             const group::Scalar& witness, Rng& rng);
/// Deterministic core of prove_committed(), for test vectors; the same warning as prove_with_nonce.
[[nodiscard]] CommittedProof prove_committed_with_nonce(std::string_view tag, Context context,
                                                        const Statement& statement,
                                                        const group::Scalar& witness,
                                                        const group::Scalar& nonce);
/// e = H_tag(ctx..., g1, h1, g2, h2, a1, a2): the same input list as Proof's challenge; the tag is
/// what keeps the forms apart. Exposed for batch verifiers, which need each e.
[[nodiscard]] group::Scalar committed_challenge(std::string_view tag, Context context, const Statement& statement,
                                                const group::Point& a1, const group::Point& a2);
/// One committed proof: refuses an identity a1 or a2 (an honest prover never makes one), then
/// checks f g1 = a1 + e h1 and f g2 = a2 + e h2. Public inputs only: variable time (SPEC §8), or
/// from h1's table when given.
[[nodiscard]] bool verify_committed(std::string_view tag, Context context, const Statement& statement,
                                    const CommittedProof& proof);

}  // namespace escrow::dleq
