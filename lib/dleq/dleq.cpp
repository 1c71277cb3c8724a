#include "escrow/dleq.hpp"

#include "escrow/hash.hpp"

#include <cstdlib>

namespace escrow::dleq {
using group::Point;
using group::Scalar;

namespace {
Scalar challenge(std::string_view tag, Context context, const Statement& st, const Point& a1, const Point& a2) {
  Hasher h(tag, 64);
  for (auto c : context) h.add(c);
  for (const Point* p : {&st.g1, &st.h1, &st.g2, &st.h2, &a1, &a2}) h.add(p->to_bytes());
  return Scalar::reduce(h.finish<64>());
}
}  // namespace

namespace {
// a2 = w·g2, from g2's table when the caller keeps one (a table of another point would prove
// another statement: a programming error).
Point times_g2(const Statement& statement, const Scalar& nonce) {
  if (statement.g2_table == nullptr) return statement.g2 * nonce;
  if (!(statement.g2_table->point() == statement.g2)) std::abort();
  return statement.g2_table->mul(nonce);
}
}  // namespace

Proof prove_with_nonce(std::string_view tag, Context context, const Statement& statement,
                       const Scalar& witness, const Scalar& nonce) {
  const Point a1 = statement.g1 * nonce;
  const Point a2 = times_g2(statement, nonce);
  Scalar e = challenge(tag, context, statement, a1, a2);
  Scalar f = nonce + e * witness;
  return Proof{std::move(e), std::move(f)};
}

Proof prove(std::string_view tag, Context context, const Statement& statement, const Scalar& witness,
            Rng& rng) {
  return prove_with_nonce(tag, context, statement, witness, Scalar::random(rng));
}

bool verify(std::string_view tag, Context context, const Statement& statement, const Proof& proof) {
  // A table of another point would check another statement: a programming error, not a refusal.
  if (statement.h1_table != nullptr && !(statement.h1_table->point() == statement.h1)) std::abort();
  // Everything here is public (statement and proof), so variable time is allowed (SPEC §8).
  const Scalar minus_e = proof.challenge.negate();
  const Point a1 = statement.h1_table != nullptr
                       ? statement.g1 * proof.response - statement.h1_table->mul(proof.challenge)
                       : group::double_mul_vartime(proof.response, statement.g1, minus_e, statement.h1);
  const Point a2 = group::double_mul_vartime(proof.response, statement.g2, minus_e, statement.h2);
  return challenge(tag, context, statement, a1, a2) == proof.challenge;
}

Scalar committed_challenge(std::string_view tag, Context context, const Statement& statement, const Point& a1,
                           const Point& a2) {
  return challenge(tag, context, statement, a1, a2);
}

CommittedProof prove_committed_with_nonce(std::string_view tag, Context context, const Statement& statement,
                                          const Scalar& witness, const Scalar& nonce) {
  Point a1 = statement.g1 * nonce;
  Point a2 = times_g2(statement, nonce);
  const Scalar e = challenge(tag, context, statement, a1, a2);
  Scalar f = nonce + e * witness;
  return CommittedProof{std::move(a1), std::move(a2), std::move(f)};
}

CommittedProof prove_committed(std::string_view tag, Context context, const Statement& statement,
                               const Scalar& witness, Rng& rng) {
  return prove_committed_with_nonce(tag, context, statement, witness, Scalar::random(rng));
}

bool verify_committed(std::string_view tag, Context context, const Statement& statement, const CommittedProof& proof) {
  if (statement.h1_table != nullptr && !(statement.h1_table->point() == statement.h1)) std::abort();
  // Public, all of it (SPEC §8). An identity commitment means a zero nonce: no honest prover's.
  if (proof.a1.is_identity() || proof.a2.is_identity()) return false;
  const Scalar e = challenge(tag, context, statement, proof.a1, proof.a2);
  const Scalar minus_e = e.negate();
  // f g1 - e h1 = a1 and f g2 - e h2 = a2.
  const Point lhs1 = statement.h1_table != nullptr
                         ? statement.g1 * proof.response - statement.h1_table->mul(e)
                         : group::double_mul_vartime(proof.response, statement.g1, minus_e, statement.h1);
  if (!(lhs1 == proof.a1)) return false;
  return group::double_mul_vartime(proof.response, statement.g2, minus_e, statement.h2) == proof.a2;
}

}  // namespace escrow::dleq
