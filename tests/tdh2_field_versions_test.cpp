// The escrow field's two versions (SPEC §3.5): version 2 carries its validity proof's commitments
// (w, wbar, f) so that a trustee checks a request's fields in one batch (SPEC §5.3); version 1,
// (e, f), stays readable and verifiable. verify_all decides every field exactly as verify() does.
#include "escrow/tdh2.hpp"

#include <gtest/gtest.h>

#include <random>

#include "escrow/dleq.hpp"
#include "escrow/domain.hpp"
#include "tdh2_testing.hpp"
#include "test_support.hpp"

namespace escrow::tdh2 {
namespace {
using group::Point;
using group::Scalar;
using test::failed_with;

using test::bytes;

struct Authority {
  Authority() : rng("tdh2/field-versions"), dealt(deal(3, 5, rng).value()), key(random_session_key(rng)) {}
  const PublicKey& pk() const { return dealt.public_key; }
  Ciphertext field(std::string_view label) { return encrypt(pk(), key, bytes(label), rng).value(); }
  Ciphertext field_v1(std::string_view label) {
    return testing::encrypt_with(pk(), key, bytes(label), Scalar::random(rng), Scalar::random(rng), CiphertextFormat::challenge)
        .value();
  }
  DeterministicRng rng;
  Dealt dealt;
  SessionKey key;
};

std::vector<Ciphertext> honest_fields(Authority& a, std::size_t count) {
  std::vector<Ciphertext> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(a.field("field-" + std::to_string(i)));
  return out;
}

// ---- the format ----

TEST(Tdh2FieldVersions, EncryptWritesVersion2Of200BytesPlusLabel) {
  Authority a;
  const auto ct = a.field("label");
  EXPECT_EQ(ct.format, CiphertextFormat::commitments);
  const auto enc = ct.encode();
  EXPECT_EQ(enc[4], 2);
  EXPECT_EQ(enc.size(), 200 + ct.label.size());
  auto back = Ciphertext::decode(enc);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->encode(), enc);
  EXPECT_TRUE(verify(a.pk(), *back).has_value());
}

TEST(Tdh2FieldVersions, Version1StaysReadableAndVerifiable) {
  Authority a;
  const auto ct = a.field_v1("label");
  const auto enc = ct.encode();
  EXPECT_EQ(enc[4], 1);
  EXPECT_EQ(enc.size(), 168 + ct.label.size());
  auto back = Ciphertext::decode(enc);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->format, CiphertextFormat::challenge);
  EXPECT_TRUE(verify(a.pk(), *back).has_value());
  auto tampered = *back;
  tampered.e = tampered.e + Scalar::from_u64(1);
  EXPECT_TRUE(failed_with(verify(a.pk(), tampered), ErrorCategory::invalid_proof));
}

TEST(Tdh2FieldVersions, BothVersionsFromOneRandomnessHideTheSameKeyTheSameWay) {
  Authority a;
  const auto r = Scalar::random(a.rng), s = Scalar::random(a.rng);
  const auto v1 = testing::encrypt_with(a.pk(), a.key, bytes("L"), r, s, CiphertextFormat::challenge).value();
  const auto v2 = testing::encrypt_with(a.pk(), a.key, bytes("L"), r, s, CiphertextFormat::commitments).value();
  EXPECT_EQ(v1.c, v2.c);
  EXPECT_TRUE(v1.u == v2.u && v1.ubar == v2.ubar);
  EXPECT_TRUE(v2.w == Point::base_mul(s) && v2.wbar == Point::generator_bar() * s);
  for (const auto* ct : {&v1, &v2}) {
    std::vector<PartialDecryption> partials;
    for (std::size_t i = 0; i < 3; ++i) partials.push_back(partial_decrypt(a.pk(), a.dealt.shares[i], *ct, a.rng).value());
    auto out = combine(a.pk(), *ct, partials);
    ASSERT_TRUE(out.has_value()) << out.error().message();
    EXPECT_TRUE(out->key.equals(a.key));
  }
}

TEST(Tdh2FieldVersions, TheVersionByteAlonePicksTheLayout) {
  Authority a;
  auto v2_as_v1 = a.field("label").encode();
  v2_as_v1[4] = 1;  // 32 bytes left over
  EXPECT_TRUE(failed_with(Ciphertext::decode(v2_as_v1), ErrorCategory::malformed));
  auto v1_as_v2 = a.field_v1("label").encode();
  v1_as_v2[4] = 2;  // 32 bytes short
  EXPECT_TRUE(failed_with(Ciphertext::decode(v1_as_v2), ErrorCategory::malformed));
  auto v3 = a.field("label").encode();
  v3[4] = 3;
  EXPECT_TRUE(failed_with(Ciphertext::decode(v3), ErrorCategory::malformed));
}

TEST(Tdh2FieldVersions, IdentityOrNonCanonicalCommitmentsAndAnOverlongFAreRefusedOnDecode) {
  Authority a;
  const auto ct = a.field("label");
  const auto enc = ct.encode();
  const std::size_t w_at = 6 + 32 + 2 + ct.label.size() + 64;
  const auto with = [&](std::size_t at, uint8_t fill) {
    auto b = enc;
    std::fill(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + 32), fill);
    return b;
  };
  EXPECT_TRUE(failed_with(Ciphertext::decode(with(w_at, 0)), ErrorCategory::malformed));          // w the identity
  EXPECT_TRUE(failed_with(Ciphertext::decode(with(w_at + 32, 0)), ErrorCategory::malformed));     // wbar the identity
  EXPECT_TRUE(failed_with(Ciphertext::decode(with(w_at, 0xff)), ErrorCategory::malformed));       // w non-canonical
  EXPECT_TRUE(failed_with(Ciphertext::decode(with(w_at + 32, 0xff)), ErrorCategory::malformed));  // wbar non-canonical
  EXPECT_TRUE(failed_with(Ciphertext::decode(with(w_at + 64, 0xff)), ErrorCategory::malformed));  // f >= L
}

TEST(Tdh2FieldVersions, AnIdentityCommitmentBuiltInMemoryIsMalformed) {
  Authority a;
  auto w = a.field("label"), wbar = w;
  w.w = Point::identity();
  wbar.wbar = Point::identity();
  EXPECT_TRUE(failed_with(verify(a.pk(), w), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(verify(a.pk(), wbar), ErrorCategory::malformed));
}

// ---- verify_all: the batch decides as verify() does ----

// Every way this file breaks a field, from the format's cheap checks to each proof input.
Ciphertext broken(Ciphertext ct, int how) {
  switch (how) {
    case 0: ct.c[0] ^= 1; break;
    case 1: ct.label.push_back('x'); break;
    case 2: ct.u = ct.u + Point::generator(); break;
    case 3: ct.ubar = ct.ubar + Point::generator(); break;
    case 4: ct.w = ct.w + Point::generator(); break;
    case 5: ct.wbar = ct.wbar + Point::generator(); break;
    case 6: ct.f = ct.f + Scalar::from_u64(1); break;
    case 7: ct.w = Point::identity(); break;
    case 8: ct.u = Point::identity(); break;
    case 9: ct.label.assign(kMaxLabelBytes + 1, 'x'); break;
  }
  return ct;
}
constexpr int kWaysToBreak = 10;

void expect_same_as_verify(const PublicKey& pk, const std::vector<Ciphertext>& cts) {
  const auto all = verify_all(pk, cts);
  ASSERT_EQ(all.size(), cts.size());
  for (std::size_t i = 0; i < cts.size(); ++i) {
    const auto one = verify(pk, cts[i]);
    ASSERT_EQ(all[i].has_value(), one.has_value()) << "field " << i;
    if (one) EXPECT_EQ(all[i]->get().encode(), cts[i].encode()) << "field " << i;
    else EXPECT_EQ(all[i].error().message(), one.error().message()) << "field " << i;
  }
}

TEST(Tdh2FieldVersions, VerifyAllAcceptsEveryHonestField) {
  Authority a;
  const auto cts = honest_fields(a, 24);
  EXPECT_TRUE(verify_batch_vartime(cts, a.rng));
  for (const auto& r : verify_all(a.pk(), cts)) EXPECT_TRUE(r.has_value());
}

TEST(Tdh2FieldVersions, VerifyAllRefusesExactlyTheFieldsVerifyRefuses) {
  Authority a;
  std::mt19937 gen(17);
  for (int round = 0; round < 12; ++round) {
    auto cts = honest_fields(a, 16);
    cts.push_back(a.field_v1("an older client's"));
    const int bad = round % 4;  // none, one, two or three broken fields
    for (int b = 0; b < bad; ++b) {
      const auto at = std::uniform_int_distribution<std::size_t>(0, cts.size() - 1)(gen);
      cts[at] = broken(cts[at], std::uniform_int_distribution<int>(0, kWaysToBreak - 1)(gen));
    }
    expect_same_as_verify(a.pk(), cts);
  }
  for (int how = 0; how < kWaysToBreak; ++how) {  // each way at least once, alone in a batch of good ones
    auto cts = honest_fields(a, 8);
    cts[5] = broken(cts[5], how);
    EXPECT_FALSE(verify(a.pk(), cts[5]).has_value()) << how;
    expect_same_as_verify(a.pk(), cts);
  }
}

// Errors a sender places to cancel in a plain sum. Across fields: f + delta in one, f - delta in
// another (f is not hashed, so each field's challenge is unchanged). Within one field: a sender who
// knows r and s commits to w = sG + D and wbar = s Gbar - D and answers f = s + e r for the challenge
// of those commitments, so its two equations are off by -D and +D. Only independent weights for
// each equation of each field catch both (with all weights 1 the batch would accept them).
TEST(Tdh2FieldVersions, TheBatchCatchesErrorsThatCancelInAPlainSum) {
  Authority a;
  const Scalar delta = Scalar::from_u64(5);
  auto across = honest_fields(a, 6);
  across[1].f = across[1].f + delta;
  across[4].f = across[4].f - delta;

  auto within = honest_fields(a, 6);
  const auto r = Scalar::random(a.rng), s = Scalar::random(a.rng);
  auto& bent = within[2] = testing::encrypt_with(a.pk(), a.key, bytes("bent"), r, s, CiphertextFormat::commitments).value();
  const Point d = Point::generator() * Scalar::from_u64(7);
  bent.w = Point::base_mul(s) + d;
  bent.wbar = Point::generator_bar() * s - d;
  const Scalar e = dleq::committed_challenge(domain::kTdh2ValidityCommitted, {bent.c, bent.label},
                                             {Point::generator(), bent.u, Point::generator_bar(), bent.ubar}, bent.w, bent.wbar);
  bent.f = s + e * r;
  // The plain sum of its two equations is the identity: the error is there only in each one.
  const Point eq1 = Point::base_mul(bent.f) - bent.w - bent.u * e;
  const Point eq2 = Point::generator_bar() * bent.f - bent.wbar - bent.ubar * e;
  ASSERT_FALSE(eq1.is_identity());
  ASSERT_TRUE((eq1 + eq2).is_identity());

  for (auto* cts : {&across, &within}) {
    EXPECT_FALSE(verify_batch_vartime(*cts, a.rng));
    expect_same_as_verify(a.pk(), *cts);
    std::size_t refused = 0;
    for (const auto& result : verify_all(a.pk(), *cts)) refused += result.has_value() ? 0 : 1;
    EXPECT_EQ(refused, cts == &across ? 2u : 1u);
  }
}

TEST(Tdh2FieldVersions, TheBatchIsFalseOnAVersion1FieldAndTrueWhenEmpty) {
  Authority a;
  auto cts = honest_fields(a, 3);
  cts.push_back(a.field_v1("old"));
  EXPECT_FALSE(verify_batch_vartime(cts, a.rng));
  EXPECT_TRUE(verify_batch_vartime({}, a.rng));
  expect_same_as_verify(a.pk(), cts);  // the version-1 field is checked alone and passes
}

}  // namespace
}  // namespace escrow::tdh2
