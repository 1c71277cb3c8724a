#pragma once
/// Chaum–Pedersen proof that log_{g1} h1 = log_{g2} h2, made non-interactive with a
/// domain-separated Fiat–Shamir hash (SPEC §4.3):
///
///   prover:   a1 = s g1, a2 = s g2, e = H_tag(ctx..., g1, h1, g2, h2, a1, a2), f = s + e x
///   verifier: a1 = f g1 - e h1, a2 = f g2 - e h2, accept iff e = H_tag(... same inputs ...)
///
/// The witness x and the nonce s are secret.
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
};

struct Proof {
  group::Scalar challenge;  ///< e
  group::Scalar response;   ///< f
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

}  // namespace escrow::dleq
