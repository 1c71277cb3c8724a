// Version-2 partial decryptions (proofs that carry their commitments, SPEC §3.7, §4.4) and
// combine's batched check of them (SPEC §5.7): the batch decides as the one-by-one checks do, and
// when it fails every cheater is still named.
#include "escrow/tdh2.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "escrow/dleq.hpp"
#include "escrow/domain.hpp"
#include "test_support.hpp"

namespace escrow::tdh2 {
namespace {
using group::Point;
using group::Scalar;
using test::failed_with;

PartyIndex P(unsigned i) { return *PartyIndex::make(i); }

struct Authority {
  explicit Authority(std::size_t k = 3, std::size_t n = 5, std::string_view seed = "tdh2/batch")
      : rng(seed), dealt(deal(k, n, rng).value()), key(random_session_key(rng)),
        ct(encrypt(pk(), key, std::vector<uint8_t>{'L'}, rng).value()) {}
  const PublicKey& pk() const { return dealt.public_key; }
  std::vector<PartialDecryption> partials() {
    std::vector<PartialDecryption> out;
    for (const auto& share : dealt.shares) out.push_back(partial_decrypt(pk(), share, ct, rng).value());
    return out;
  }
  // Version 1, as an older trustee answers: the same statement, the proof as (e, f).
  PartialDecryption partial_v1(std::size_t i) {
    const auto& share = dealt.shares[i];
    PartialDecryption pd{share.index(), pk().epoch, ct.u * share.expose_secret(), {}, {}};
    const auto ctx = partial_proof_context(pk().epoch, share.index());
    const auto proof = dleq::prove(domain::kTdh2PartialProof, {ctx},
                                   {Point::generator(), pk().verification_key(share.index()), ct.u, pd.u_i},
                                   share.expose_secret(), rng);
    pd.e_i = proof.challenge;
    pd.f_i = proof.response;
    return pd;
  }
  DeterministicRng rng;
  Dealt dealt;
  SessionKey key;
  Ciphertext ct;
};

// The one-by-one answer combine must reproduce: every partial verify_partial refuses, ascending.
std::vector<PartyIndex> one_by_one_cheaters(const Authority& a, const std::vector<PartialDecryption>& ps) {
  std::vector<PartyIndex> out;
  for (const auto& pd : ps)
    if (!verify_partial(a.pk(), a.ct, pd)) out.push_back(pd.index);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- the format ----

TEST(Tdh2PartialV2, TrusteesAnswerWithVersion2AndItRoundTrips) {
  Authority a;
  const auto pd = a.partials()[1];
  ASSERT_EQ(pd.format, PartialFormat::commitments);
  const auto bytes = pd.encode();
  ASSERT_EQ(bytes.size(), 139u);
  EXPECT_EQ(bytes[4], 2);  // the version byte
  const auto back = PartialDecryption::decode(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->format, PartialFormat::commitments);
  EXPECT_EQ(back->encode(), bytes);
  EXPECT_TRUE(verify_partial(a.pk(), a.ct, *back).has_value());
}

TEST(Tdh2PartialV2, Version1StillDecodesAndVerifies) {
  Authority a;
  const auto v1 = a.partial_v1(0);
  const auto bytes = v1.encode();
  ASSERT_EQ(bytes.size(), 107u);
  EXPECT_EQ(bytes[4], 1);
  const auto back = PartialDecryption::decode(bytes);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->format, PartialFormat::challenge);
  EXPECT_TRUE(verify_partial(a.pk(), a.ct, *back).has_value());
}

TEST(Tdh2PartialV2, WrongLengthForItsVersionOrAnUnknownVersionDoesNotParse) {
  Authority a;
  const auto v2 = a.partials()[0].encode();
  const auto v1 = a.partial_v1(0).encode();
  const std::vector<uint8_t> v2_short(v2.begin(), v2.end() - 1);
  auto v2_long = v2;
  v2_long.push_back(0);
  auto v1_as_v2 = v1;
  v1_as_v2[4] = 2;  // a version-1 body under a version-2 header: 32 bytes short
  auto v2_as_v1 = v2;
  v2_as_v1[4] = 1;  // a version-2 body under a version-1 header: 32 trailing bytes
  auto v3 = v2;
  v3[4] = 3;
  for (const auto& b : {v2_short, v2_long, v1_as_v2, v2_as_v1, v3})
    EXPECT_TRUE(failed_with(PartialDecryption::decode(b), ErrorCategory::malformed));
}

// Ristretto has no small subgroup to hide in: what is left to a cheater is a commitment that is
// not a point, not canonical, or the identity, and each is refused at decode with the party named.
TEST(Tdh2PartialV2, InvalidCommitmentEncodingIsRefusedAtDecode) {
  Authority a;
  const auto good = a.partials()[2].encode();
  constexpr std::size_t kA1 = 43, kA2 = 75;  // after header 6, epoch 4, index 1, u_i 32
  for (std::size_t at : {kA1, kA2}) {
    auto identity = good, non_canonical = good, not_a_point = good;
    std::fill(identity.begin() + static_cast<std::ptrdiff_t>(at), identity.begin() + static_cast<std::ptrdiff_t>(at + 32), 0);
    std::fill(non_canonical.begin() + static_cast<std::ptrdiff_t>(at),
              non_canonical.begin() + static_cast<std::ptrdiff_t>(at + 32), 0xff);
    not_a_point[at] ^= 1;  // odd: never a canonical ristretto255 encoding (RFC 9496 §4.3.1)
    for (const auto& b : {identity, non_canonical, not_a_point}) {
      const auto r = PartialDecryption::decode(b);
      ASSERT_TRUE(failed_with(r, ErrorCategory::malformed)) << at;
      EXPECT_EQ(r.error().blame, std::vector<PartyIndex>{P(3)});
    }
  }
  auto bad_f = good;
  std::fill(bad_f.end() - 32, bad_f.end(), 0xff);  // f_i >= L
  EXPECT_TRUE(failed_with(PartialDecryption::decode(bad_f), ErrorCategory::malformed));
}

// An identity commitment built in memory (a parsed one never has it) is refused by verify_partial
// and counted a cheater by combine.
TEST(Tdh2PartialV2, IdentityCommitmentInMemoryIsRefusedAndBlamed) {
  Authority a;
  auto ps = a.partials();
  ps[0].a2 = Point::identity();
  EXPECT_TRUE(failed_with(verify_partial(a.pk(), a.ct, ps[0]), ErrorCategory::malformed));
  const auto out = combine(a.pk(), a.ct, ps);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->cheaters, std::vector<PartyIndex>{P(1)});
}

// The two forms hash under different tags: the commitments of a version-2 proof, hashed under
// version 1's tag, do not give a version-1 proof that verifies.
TEST(Tdh2PartialV2, ProofFormsNeverShareAChallenge) {
  Authority a;
  const auto v2 = a.partials()[0];
  const auto ctx = partial_proof_context(v2.epoch, v2.index);
  const dleq::Statement st{Point::generator(), a.pk().verification_key(v2.index), a.ct.u, v2.u_i};
  PartialDecryption as_v1{v2.index, v2.epoch, v2.u_i, dleq::committed_challenge(domain::kTdh2PartialProof, {ctx}, st, v2.a1, v2.a2),
                          v2.f_i};
  EXPECT_TRUE(failed_with(verify_partial(a.pk(), a.ct, as_v1), ErrorCategory::invalid_proof));
  // ... while under its own tag the same (e, f) is the proof it came from: the tag alone separates them.
  const Scalar e = dleq::committed_challenge(domain::kTdh2PartialProofCommitted, {ctx}, st, v2.a1, v2.a2);
  EXPECT_TRUE(dleq::verify(domain::kTdh2PartialProofCommitted, {ctx}, st, {e, v2.f_i}));
}

// ---- the batch ----

TEST(Tdh2Batch, HonestVersion2PartialsPassTheBatch) {
  Authority a(4, 7);
  const auto ps = a.partials();
  SystemRng weights;
  EXPECT_TRUE(verify_partials_batch_vartime(a.pk(), a.ct, ps, weights));
  EXPECT_TRUE(verify_partials_batch_vartime(a.pk(), a.ct, std::span(ps).first(1), weights));
  EXPECT_TRUE(verify_partials_batch_vartime(a.pk(), a.ct, {}, weights));
}

TEST(Tdh2Batch, BatchRefusesAVersion1Partial) {
  Authority a;
  auto ps = a.partials();
  ps[1] = a.partial_v1(1);
  ASSERT_TRUE(verify_partial(a.pk(), a.ct, ps[1]).has_value());
  SystemRng weights;
  EXPECT_FALSE(verify_partials_batch_vartime(a.pk(), a.ct, ps, weights));
}

TEST(Tdh2Batch, PartialsForAnotherCiphertextFailTheBatch) {
  Authority a;
  const auto ps = a.partials();
  const auto other = encrypt(a.pk(), a.key, std::vector<uint8_t>{'M'}, a.rng).value();
  SystemRng weights;
  EXPECT_FALSE(verify_partials_batch_vartime(a.pk(), other, ps, weights));
}

TEST(Tdh2Batch, OneBadProofNamesExactlyThatTrustee) {
  Authority a(3, 6);
  auto ps = a.partials();
  ps[3].f_i = ps[3].f_i + Scalar::from_u64(1);
  SystemRng weights;
  EXPECT_FALSE(verify_partials_batch_vartime(a.pk(), a.ct, ps, weights));
  const auto out = combine(a.pk(), a.ct, ps);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_EQ(out->cheaters, std::vector<PartyIndex>{P(4)});
  EXPECT_EQ(out->used, (std::vector<PartyIndex>{P(1), P(2), P(3)}));
  EXPECT_TRUE(out->key.equals(a.key));
}

TEST(Tdh2Batch, TwoBadProofsAreBothNamed) {
  Authority a(3, 6);
  auto ps = a.partials();
  ps[0].f_i = ps[0].f_i + Scalar::from_u64(1);
  ps[4].u_i = ps[4].u_i + Point::generator();
  const auto out = combine(a.pk(), a.ct, ps);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_EQ(out->cheaters, (std::vector<PartyIndex>{P(1), P(5)}));
  EXPECT_EQ(out->used, (std::vector<PartyIndex>{P(2), P(3), P(4)}));
  EXPECT_TRUE(out->key.equals(a.key));
}

// Each equation of the batch on its own: wrong only in a1 (the G equation), only in a2 (the u one).
TEST(Tdh2Batch, AProofBadOnlyInA1OrOnlyInA2IsCaught) {
  for (const bool in_a1 : {true, false}) {
    Authority a;
    auto ps = a.partials();
    (in_a1 ? ps[2].a1 : ps[2].a2) = (in_a1 ? ps[2].a1 : ps[2].a2) + Point::generator();
    SystemRng weights;
    EXPECT_FALSE(verify_partials_batch_vartime(a.pk(), a.ct, ps, weights)) << in_a1;
    EXPECT_TRUE(failed_with(verify_partial(a.pk(), a.ct, ps[2]), ErrorCategory::invalid_proof)) << in_a1;
    const auto out = combine(a.pk(), a.ct, ps);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->cheaters, std::vector<PartyIndex>{P(3)}) << in_a1;
  }
}

// A proof that is honest for a wrong u_i' = u_i + G in its second equation alone cannot be made
// without x_i; but a cheater may put the error in a1 and a2 together so that each equation is off
// by the same point: the independent weights of the two equations still catch it.
TEST(Tdh2Batch, ErrorsSpreadOverBothEquationsAreCaught) {
  Authority a;
  auto ps = a.partials();
  ps[1].a1 = ps[1].a1 + Point::generator();
  ps[1].a2 = ps[1].a2 - Point::generator();
  SystemRng weights;
  EXPECT_FALSE(verify_partials_batch_vartime(a.pk(), a.ct, ps, weights));
  EXPECT_EQ(combine(a.pk(), a.ct, ps)->cheaters, std::vector<PartyIndex>{P(2)});
}

TEST(Tdh2Batch, CombineAcceptsAMixOfVersion1AndVersion2) {
  Authority a(3, 5);
  auto ps = a.partials();
  ps[0] = a.partial_v1(0);
  ps[3] = a.partial_v1(3);
  const auto out = combine(a.pk(), a.ct, ps);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_TRUE(out->cheaters.empty());
  EXPECT_EQ(out->used, (std::vector<PartyIndex>{P(1), P(2), P(3)}));
  EXPECT_TRUE(out->key.equals(a.key));
  // A cheater of each version in the mix: both named, the key recovered from the other three.
  ps[0].e_i = ps[0].e_i + Scalar::from_u64(1);
  ps[1].f_i = ps[1].f_i + Scalar::from_u64(1);
  const auto blamed = combine(a.pk(), a.ct, ps);
  ASSERT_TRUE(blamed.has_value()) << blamed.error().message();
  EXPECT_EQ(blamed->cheaters, (std::vector<PartyIndex>{P(1), P(2)}));
  EXPECT_EQ(blamed->used, (std::vector<PartyIndex>{P(3), P(4), P(5)}));
  EXPECT_TRUE(blamed->key.equals(a.key));
}

TEST(Tdh2Batch, FewerThanKValidAfterTheFallbackIsRefusedWithEveryCheater) {
  Authority a(3, 4);
  auto ps = a.partials();
  ps[1].a1 = ps[1].a1 + Point::generator();
  ps[2].f_i = ps[2].f_i + Scalar::from_u64(1);
  const auto out = combine(a.pk(), a.ct, ps);
  ASSERT_TRUE(failed_with(out, ErrorCategory::not_enough_shares));
  EXPECT_EQ(out.error().blame, (std::vector<PartyIndex>{P(2), P(3)}));
}

// The differential test: over many random (k, n), random versions and random cheating of random
// kinds, the batch says "all valid" exactly when every one-by-one check passes, and combine names
// exactly the parties the one-by-one checks refuse.
TEST(Tdh2Batch, BatchAndCombineAgreeWithOneByOneChecksOnRandomCases) {
  std::mt19937 gen(2026);
  SystemRng weights;
  int batch_failures = 0, batch_passes = 0;
  for (int round = 0; round < 12; ++round) {
    const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 10)(gen);
    const std::size_t k = std::uniform_int_distribution<std::size_t>(1, n)(gen);
    Authority a(k, n, "tdh2/batch/differential/" + std::to_string(round));
    auto honest = a.partials();
    for (int trial = 0; trial < 15; ++trial) {
      auto ps = honest;
      const bool mix = trial % 3 == 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (mix && gen() % 2 == 0) ps[i] = a.partial_v1(i);
        if (gen() % 4 != 0) continue;  // about one partial in four cheats
        switch (gen() % 6) {
          case 0: ps[i].f_i = ps[i].f_i + Scalar::from_u64(1 + gen() % 7); break;
          case 1: ps[i].a1 = ps[i].a1 + Point::generator(); break;
          case 2: ps[i].a2 = ps[i].a2 + a.ct.u; break;
          case 3: ps[i].u_i = ps[i].u_i + Point::generator(); break;
          case 4: ps[i].e_i = ps[i].e_i + Scalar::from_u64(1); break;  // breaks only a version-1 proof
          default: ps[i].epoch = 7; break;
        }
      }
      const auto expected = one_by_one_cheaters(a, ps);
      bool all_v2 = true;
      for (const auto& pd : ps) all_v2 = all_v2 && pd.format == PartialFormat::commitments;
      if (all_v2) {
        const bool batch = verify_partials_batch_vartime(a.pk(), a.ct, ps, weights);
        EXPECT_EQ(batch, expected.empty()) << "round " << round << " trial " << trial;
        (batch ? batch_passes : batch_failures) += 1;
      }
      const auto out = combine(a.pk(), a.ct, ps);
      if (n - expected.size() >= k) {
        ASSERT_TRUE(out.has_value()) << out.error().message();
        EXPECT_EQ(out->cheaters, expected) << "round " << round << " trial " << trial;
        EXPECT_TRUE(out->key.equals(a.key));
      } else {
        ASSERT_TRUE(failed_with(out, ErrorCategory::not_enough_shares));
        EXPECT_EQ(out.error().blame, expected);
      }
    }
  }
  // Both outcomes of the batch were exercised, so the agreement above says something.
  EXPECT_GT(batch_failures, 5);
  EXPECT_GT(batch_passes, 5);
}

}  // namespace
}  // namespace escrow::tdh2
