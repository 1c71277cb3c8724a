// Version-2 partial decryptions (proofs that carry their commitments, SPEC §3.7, §4.4) and
// combine's batched check of them (SPEC §5.7): the batch decides as the one-by-one checks do, and
// when it fails every cheater is still named.
#include "escrow/tdh2.hpp"

#include <gtest/gtest.h>

#include <algorithm>

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

}  // namespace
}  // namespace escrow::tdh2
