#include "escrow/tdh2.hpp"

#include <gtest/gtest.h>

#include <random>

#include "escrow/wire.hpp"
#include "test_support.hpp"

namespace escrow::tdh2 {
namespace {
using group::Point;
using group::Scalar;
using test::failed_with;
using test::bytes;

struct Authority {
  explicit Authority(std::size_t k = 3, std::size_t n = 5, std::string_view seed = "tdh2")
      : rng(seed), dealt(deal(k, n, rng).value()), key(random_session_key(rng)),
        ct(encrypt(pk(), key, bytes("label-A"), rng).value()) {}
  const PublicKey& pk() const { return dealt.public_key; }
  std::vector<PartialDecryption> partials() {
    std::vector<PartialDecryption> out;
    for (const auto& share : dealt.shares) out.push_back(partial_decrypt(pk(), share, ct, rng).value());
    return out;
  }
  DeterministicRng rng;
  Dealt dealt;
  SessionKey key;
  Ciphertext ct;
};

TEST(Tdh2, AnyKHonestPartialsRecoverTheSessionKey) {
  Authority a;
  auto all = a.partials();
  std::vector<PartialDecryption> three = {all[4], all[0], all[2]};
  auto out = combine(a.pk(), a.ct, three);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_TRUE(out->key.equals(a.key));
  EXPECT_TRUE(out->cheaters.empty());
  EXPECT_EQ(out->used.size(), 3u);
}

TEST(Tdh2, EveryKSubsetDecryptsAndEveryKMinus1SubsetIsRefused) {
  // (k, n) from 1-of-1 to 10-of-19; subsets sampled where there are too many to run through.
  std::mt19937 gen(7);
  std::vector<std::pair<std::size_t, std::size_t>> cases = {{1, 1}, {10, 19}, {2, 2}, {3, 5}};
  for (int t = 0; t < 6; ++t) {
    const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 19)(gen);
    cases.emplace_back(std::uniform_int_distribution<std::size_t>(1, std::min<std::size_t>(n, 10))(gen), n);
  }
  for (auto [k, n] : cases) {
    Authority a(k, n, "tdh2/property");
    const auto all = a.partials();
    for (const auto& subset : test::subsets(n, k, 12, static_cast<uint32_t>(k * 31 + n))) {
      std::vector<PartialDecryption> chosen;
      for (auto i : subset) chosen.push_back(all[i]);
      auto out = combine(a.pk(), a.ct, chosen);
      ASSERT_TRUE(out.has_value()) << k << "-of-" << n << ": " << out.error().message();
      ASSERT_TRUE(out->key.equals(a.key)) << k << "-of-" << n;
    }
    if (k == 1) continue;
    for (const auto& subset : test::subsets(n, k - 1, 4, static_cast<uint32_t>(k * 37 + n))) {
      std::vector<PartialDecryption> chosen;
      for (auto i : subset) chosen.push_back(all[i]);
      ASSERT_TRUE(failed_with(combine(a.pk(), a.ct, chosen), ErrorCategory::not_enough_shares)) << k << "-of-" << n;
    }
  }
}

TEST(Tdh2, HonestCiphertextVerifies) {
  Authority a;
  EXPECT_TRUE(verify(a.pk(), a.ct).has_value());
}

TEST(Tdh2, TamperedCFailsVerification) {
  Authority a;
  a.ct.c[0] ^= 1;
  EXPECT_TRUE(failed_with(verify(a.pk(), a.ct), ErrorCategory::invalid_proof));
}

TEST(Tdh2, TamperedUFailsVerification) {
  Authority a;
  a.ct.u = a.ct.u + Point::generator();
  EXPECT_TRUE(failed_with(verify(a.pk(), a.ct), ErrorCategory::invalid_proof));
}

TEST(Tdh2, TamperedUbarFailsVerification) {
  Authority a;
  a.ct.ubar = a.ct.ubar + Point::generator();
  EXPECT_TRUE(failed_with(verify(a.pk(), a.ct), ErrorCategory::invalid_proof));
}

TEST(Tdh2, TamperedWAndWbarFailVerification) {
  Authority a;
  auto w = a.ct, wbar = a.ct;
  w.w = w.w + Point::generator();
  wbar.wbar = wbar.wbar + Point::generator();
  EXPECT_TRUE(failed_with(verify(a.pk(), w), ErrorCategory::invalid_proof));
  EXPECT_TRUE(failed_with(verify(a.pk(), wbar), ErrorCategory::invalid_proof));
}

TEST(Tdh2, TamperedFFailsVerification) {
  Authority a;
  a.ct.f = a.ct.f + Scalar::from_u64(1);
  EXPECT_TRUE(failed_with(verify(a.pk(), a.ct), ErrorCategory::invalid_proof));
}

TEST(Tdh2, LabelSwapFailsVerification) {
  Authority a;
  a.ct.label = bytes("label-B");
  EXPECT_TRUE(failed_with(verify(a.pk(), a.ct), ErrorCategory::invalid_proof));
}

TEST(Tdh2, IdentityPointsInCiphertextAreRefused) {
  Authority a;
  auto ct = a.ct;
  ct.u = Point::identity();
  EXPECT_TRUE(failed_with(verify(a.pk(), ct), ErrorCategory::malformed));
  auto enc = a.ct.encode();
  // u starts after header(6) + c(32) + label length(2) + label.
  const std::size_t u_at = 6 + 32 + 2 + a.ct.label.size();
  std::fill(enc.begin() + static_cast<std::ptrdiff_t>(u_at), enc.begin() + static_cast<std::ptrdiff_t>(u_at + 32), 0);
  EXPECT_TRUE(failed_with(Ciphertext::decode(enc), ErrorCategory::malformed));
}

TEST(Tdh2, NonCanonicalEncodingsInCiphertextAreRefused) {
  Authority a;
  const auto enc = a.ct.encode();
  const std::size_t u_at = 6 + 32 + 2 + a.ct.label.size();
  auto bad_point = enc;
  std::fill(bad_point.begin() + static_cast<std::ptrdiff_t>(u_at), bad_point.begin() + static_cast<std::ptrdiff_t>(u_at + 32), 0xff);
  EXPECT_TRUE(failed_with(Ciphertext::decode(bad_point), ErrorCategory::malformed));
  auto bad_scalar = enc;  // f = 2^256 - 1 > L
  std::fill(bad_scalar.end() - 32, bad_scalar.end(), 0xff);
  EXPECT_TRUE(failed_with(Ciphertext::decode(bad_scalar), ErrorCategory::malformed));
}

TEST(Tdh2, CiphertextEncodingRoundTripsAndIs200BytesPlusLabel) {
  Authority a;
  const auto enc = a.ct.encode();
  EXPECT_EQ(enc.size(), 200 + a.ct.label.size());  // version 2 (SPEC §3.5); version 1 is 168
  auto back = Ciphertext::decode(enc);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->encode(), enc);
  EXPECT_TRUE(verify(a.pk(), *back).has_value());
}

TEST(Tdh2, TruncatedAndOverlongEncodingsAreRefused) {
  Authority a;
  auto check = [](const std::vector<uint8_t>& enc, auto decode) {
    for (std::size_t cut = 0; cut < enc.size(); ++cut)
      EXPECT_FALSE(decode(std::span(enc).first(cut)).has_value()) << "truncated to " << cut;
    auto longer = enc;
    longer.push_back(0);
    EXPECT_FALSE(decode(longer).has_value()) << "one trailing byte";
  };
  check(a.ct.encode(), [](auto b) { return Ciphertext::decode(b); });
  check(a.partials()[0].encode(), [](auto b) { return PartialDecryption::decode(b); });
  check(a.pk().encode(), [](auto b) { return PublicKey::decode(b); });
  const auto share = a.dealt.shares[0].encode();
  check(std::vector<uint8_t>(share.begin(), share.end()), [](auto b) { return KeyShare::decode(b); });
}

TEST(Tdh2, OverlongLabelIsRefused) {
  Authority a;
  const std::vector<uint8_t> label(kMaxLabelBytes + 1, 'x');
  EXPECT_TRUE(failed_with(encrypt(a.pk(), a.key, label, a.rng), ErrorCategory::malformed));
}

TEST(Tdh2, HonestPartialVerifies) {
  Authority a;
  for (const auto& pd : a.partials()) EXPECT_TRUE(verify_partial(a.pk(), a.ct, pd).has_value());
}

TEST(Tdh2, BadDleqProofIsRefusedAndBlamed) {
  Authority a;
  auto pd = a.partials()[1];
  pd.f_i = pd.f_i + Scalar::from_u64(1);
  auto r = verify_partial(a.pk(), a.ct, pd);
  ASSERT_TRUE(failed_with(r, ErrorCategory::invalid_proof));
  EXPECT_EQ(r.error().blame, std::vector<PartyIndex>{*PartyIndex::make(2)});
}

TEST(Tdh2, WrongPartialValueWithHonestLookingProofIsRefused) {
  // A trustee that sends x_i u + G cannot prove it: the DLEQ binds u_i to Y_i.
  Authority a;
  auto pd = a.partials()[0];
  pd.u_i = pd.u_i + Point::generator();
  EXPECT_TRUE(failed_with(verify_partial(a.pk(), a.ct, pd), ErrorCategory::invalid_proof));
}

TEST(Tdh2, PartialForAnotherCiphertextIsRefused) {
  Authority a;
  const auto other = encrypt(a.pk(), a.key, bytes("label-B"), a.rng).value();
  const auto pd = partial_decrypt(a.pk(), a.dealt.shares[0], other, a.rng).value();
  EXPECT_TRUE(failed_with(verify_partial(a.pk(), a.ct, pd), ErrorCategory::invalid_proof));
}

TEST(Tdh2, CombineNamesEveryCheaterAndStillDecrypts) {
  Authority a(3, 7, "tdh2/cheaters");
  auto all = a.partials();
  all[1].u_i = all[1].u_i + Point::generator();   // party 2: wrong value
  all[5].f_i = all[5].f_i + Scalar::from_u64(1);  // party 6: bad proof
  auto out = combine(a.pk(), a.ct, all);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_TRUE(out->key.equals(a.key));
  EXPECT_EQ(out->cheaters, (std::vector<PartyIndex>{*PartyIndex::make(2), *PartyIndex::make(6)}));
  EXPECT_EQ(out->used, (std::vector<PartyIndex>{*PartyIndex::make(1), *PartyIndex::make(3), *PartyIndex::make(4)}));
}

TEST(Tdh2, FewerThanKValidPartialsAreRefusedAndCheatersBlamed) {
  Authority a;
  auto all = a.partials();
  all[0].u_i = all[0].u_i + Point::generator();
  all[3].u_i = all[3].u_i + Point::generator();
  all[4].u_i = all[4].u_i + Point::generator();
  auto out = combine(a.pk(), a.ct, all);
  ASSERT_TRUE(failed_with(out, ErrorCategory::not_enough_shares));
  EXPECT_EQ(out.error().blame, (std::vector<PartyIndex>{*PartyIndex::make(1), *PartyIndex::make(4), *PartyIndex::make(5)}));
}

TEST(Tdh2, DuplicatePartyIsRefused) {
  Authority a;
  auto all = a.partials();
  std::vector<PartialDecryption> dup = {all[0], all[1], all[0]};
  EXPECT_TRUE(failed_with(combine(a.pk(), a.ct, dup), ErrorCategory::malformed));
}

TEST(Tdh2, OutOfRangePartyIsBlamed) {
  Authority a;
  auto all = a.partials();
  all[4].index = *PartyIndex::make(6);  // n = 5
  auto r = verify_partial(a.pk(), a.ct, all[4]);
  ASSERT_TRUE(failed_with(r, ErrorCategory::malformed));
  auto out = combine(a.pk(), a.ct, all);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->cheaters, std::vector<PartyIndex>{*PartyIndex::make(6)});
}

TEST(Tdh2, PartialIndexZeroDoesNotParse) {
  Authority a;
  auto enc = a.partials()[0].encode();
  enc[6 + 4] = 0;  // the index byte after header and epoch
  EXPECT_TRUE(failed_with(PartialDecryption::decode(enc), ErrorCategory::malformed));
}

TEST(Tdh2, PartialFromAnotherEpochIsBlamed) {
  Authority a;
  auto all = a.partials();
  all[2].epoch = 1;
  EXPECT_TRUE(failed_with(verify_partial(a.pk(), a.ct, all[2]), ErrorCategory::invalid_proof));
}

TEST(Tdh2, TrusteeRefusesInvalidCiphertext) {
  Authority a;
  a.ct.label = bytes("label-B");
  EXPECT_TRUE(failed_with(partial_decrypt(a.pk(), a.dealt.shares[0], a.ct, a.rng), ErrorCategory::invalid_proof));
}

TEST(Tdh2, CombinerRefusesInvalidCiphertext) {
  Authority a;
  auto all = a.partials();
  a.ct.c[5] ^= 0x80;
  EXPECT_TRUE(failed_with(combine(a.pk(), a.ct, all), ErrorCategory::invalid_proof));
}

TEST(Tdh2, RecipientCheckAcceptsTheHonestField) {
  Authority a;
  const auto ct = encrypt_recipient_verifiable(a.pk(), a.key, bytes("L"), a.rng).value();
  EXPECT_TRUE(check_recipient(a.pk(), ct, a.key).has_value());
}

TEST(Tdh2, RecipientCheckRejectsAFieldHidingAnotherKey) {
  Authority a;
  const auto other = random_session_key(a.rng);
  const auto ct = encrypt_recipient_verifiable(a.pk(), other, bytes("L"), a.rng).value();
  EXPECT_TRUE(failed_with(check_recipient(a.pk(), ct, a.key), ErrorCategory::invalid_proof));
}

TEST(Tdh2, RecipientCheckRejectsARandomizedFieldForTheRightKey) {
  // The right K under plain (random-r) TDH2: valid, decryptable, but not recipient-verifiable.
  Authority a;
  EXPECT_TRUE(verify(a.pk(), a.ct).has_value());
  EXPECT_TRUE(failed_with(check_recipient(a.pk(), a.ct, a.key), ErrorCategory::invalid_proof));
}

TEST(Tdh2, RecipientCheckRejectsAFieldUnderAnotherAuthority) {
  Authority a, b(3, 5, "tdh2/other-authority");
  const auto ct = encrypt_recipient_verifiable(b.pk(), a.key, bytes("L"), a.rng).value();
  EXPECT_TRUE(failed_with(check_recipient(a.pk(), ct, a.key), ErrorCategory::invalid_proof));
}

TEST(Tdh2, PublicKeyRoundTripsAndRefusesInconsistentVerificationKeys) {
  Authority a;
  const auto enc = a.pk().encode();
  EXPECT_EQ(PublicKey::decode(enc).value().encode(), enc);
  auto keys = a.pk().verification_keys;
  std::swap(keys[3], keys[4]);
  EXPECT_TRUE(failed_with(PublicKey::make(3, 5, 0, a.pk().y, keys), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(PublicKey::make(3, 5, 0, a.pk().y + Point::generator(), a.pk().verification_keys),
                          ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(PublicKey::make(6, 5, 0, a.pk().y, a.pk().verification_keys), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(PublicKey::make(0, 5, 0, a.pk().y, a.pk().verification_keys), ErrorCategory::malformed));
}

TEST(Tdh2, KeyShareRoundTripsAndRefusesZero) {
  Authority a;
  const auto enc = a.dealt.shares[2].encode();
  auto back = KeyShare::decode(enc);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->index(), a.dealt.shares[2].index());
  EXPECT_EQ(back->expose_secret(), a.dealt.shares[2].expose_secret());
  SecureBytes zero = enc;
  std::fill(zero.end() - 32, zero.end(), 0);
  EXPECT_TRUE(failed_with(KeyShare::decode(zero), ErrorCategory::malformed));
}

TEST(Tdh2, ShareFromAnotherEpochCannotDecrypt) {
  Authority a;
  const KeyShare old(a.dealt.shares[0].index(), 7, group::SecretScalar(a.dealt.shares[0].expose_secret()));
  EXPECT_TRUE(failed_with(partial_decrypt(a.pk(), old, a.ct, a.rng), ErrorCategory::policy_denied));
}

}  // namespace
}  // namespace escrow::tdh2

namespace escrow::tdh2 {
namespace {

TEST(Tdh2Optimistic, AcceptsTheKeyWithoutCheckingProofsWhenItOpens) {
  Authority a;
  int calls = 0;
  auto out = combine_optimistic(a.pk(), a.ct, a.partials(), [&](const SessionKey& k) {
    ++calls;
    return k.equals(a.key);
  });
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->key.equals(a.key));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(out->used, (std::vector<PartyIndex>{*PartyIndex::make(1), *PartyIndex::make(2), *PartyIndex::make(3)}));
}

TEST(Tdh2Optimistic, FallsBackAndNamesTheCheaterWhenTheKeyDoesNotOpen) {
  Authority a;
  auto all = a.partials();
  all[0].u_i = all[0].u_i + Point::generator();  // party 1 is in the optimistic quorum and lies
  int calls = 0;
  auto out = combine_optimistic(a.pk(), a.ct, all, [&](const SessionKey& k) {
    ++calls;
    return k.equals(a.key);
  });
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_TRUE(out->key.equals(a.key));
  EXPECT_EQ(out->cheaters, std::vector<PartyIndex>{*PartyIndex::make(1)});
  EXPECT_EQ(calls, 2);
}

TEST(Tdh2Optimistic, RefusesWhenNoKeyOpens) {
  Authority a;
  EXPECT_TRUE(failed_with(combine_optimistic(a.pk(), a.ct, a.partials(), [](const SessionKey&) { return false; }),
                          ErrorCategory::decryption_failed));
}

TEST(Tdh2Optimistic, StillRefusesDuplicatesAndBlamesOtherEpochs) {
  Authority a;
  auto all = a.partials();
  std::vector<PartialDecryption> dup = {all[0], all[1], all[0]};
  EXPECT_TRUE(failed_with(combine_optimistic(a.pk(), a.ct, dup, [](const SessionKey&) { return true; }), ErrorCategory::malformed));
  all[1].epoch = 5;
  auto out = combine_optimistic(a.pk(), a.ct, all, [&](const SessionKey& k) { return k.equals(a.key); });
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->cheaters, std::vector<PartyIndex>{*PartyIndex::make(2)});
}

}  // namespace
}  // namespace escrow::tdh2
