#include "escrow/request.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include "escrow/translog.hpp"
#include "escrow/warrant.hpp"
#include "test_support.hpp"

namespace escrow::request {
namespace {
using test::failed_with;

struct Keys {
  VerifyKey pk{};
  SigningKey sk;
  Keys() { crypto_sign_keypair(pk.data(), sk.expose().data()); }
};

DecryptRequest sample() {
  DecryptRequest r;
  r.signed_warrant = {1, 2, 3};
  r.nonce[0] = 9;
  r.time = 1'790'000'000;
  r.fields = {{4, 5}, {6}};
  return r;
}

TEST(Request, SignedRequestRoundTripsAndVerifies) {
  Keys agency;
  auto r = sample();
  sign(r, agency.sk);
  const auto back = DecryptRequest::decode(r.encode()).value();
  EXPECT_EQ(back.encode(), r.encode());
  EXPECT_TRUE(verify_signature(back, agency.pk));
}

TEST(Request, SignatureBindsEveryFieldAndTheKey) {
  Keys agency, other;
  auto r = sample();
  sign(r, agency.sk);
  EXPECT_FALSE(verify_signature(r, other.pk));
  auto changed = r;
  changed.time += 1;
  EXPECT_FALSE(verify_signature(changed, agency.pk));
  changed = r;
  changed.fields[1][0] ^= 1;
  EXPECT_FALSE(verify_signature(changed, agency.pk));
  changed = r;
  changed.nonce[3] ^= 1;
  EXPECT_FALSE(verify_signature(changed, agency.pk));
}

// investigate sizes its batches from these constants, before it builds a request.
TEST(Request, EncodingIsTheFixedBytesTheWarrantAndEachPrefixedField) {
  auto r = sample();
  sign(r, Keys().sk);
  std::size_t expected = kRequestFixedBytes + r.signed_warrant.size();
  for (const auto& f : r.fields) expected += kFieldPrefixBytes + f.size();
  EXPECT_EQ(r.encode().size(), expected);
}

TEST(Request, EmptyBatchAndTrailingBytesAreRefused) {
  auto r = sample();
  r.fields.clear();
  EXPECT_TRUE(failed_with(DecryptRequest::decode(r.encode()), ErrorCategory::malformed));
  auto enc = sample().encode();
  enc.push_back(0);
  EXPECT_TRUE(failed_with(DecryptRequest::decode(enc), ErrorCategory::malformed));
}

TEST(Response, SignedSealedResponseOpensOnlyForTheAgency) {
  Keys trustee;
  std::array<uint8_t, 32> box_pk{};
  Secret<32> box_sk;
  crypto_box_keypair(box_pk.data(), box_sk.expose().data());
  DecryptResponse resp{3, {}, {{FieldStatus::issued, {7, 7}}, {FieldStatus::out_of_scope, {}}}, {}};
  sign(resp, trustee.sk);
  SystemRng rng;
  const auto sealed = seal(resp.encode(), box_pk, rng).value();
  const auto opened = DecryptResponse::decode(unseal(sealed, box_pk, box_sk).value()).value();
  EXPECT_TRUE(verify_signature(opened, trustee.pk));
  EXPECT_EQ(opened.results[1].status, FieldStatus::out_of_scope);
  std::array<uint8_t, 32> eve_pk{};
  Secret<32> eve_sk;
  crypto_box_keypair(eve_pk.data(), eve_sk.expose().data());
  EXPECT_TRUE(failed_with(unseal(sealed, eve_pk, eve_sk), ErrorCategory::decryption_failed));
}

TEST(Response, IssuedStatusWithoutAPartialIsRefused) {
  DecryptResponse resp{1, {}, {{FieldStatus::issued, {}}}, {}};
  EXPECT_TRUE(failed_with(DecryptResponse::decode(resp.encode()), ErrorCategory::malformed));
  DecryptResponse refusal_with_partial{1, {}, {{FieldStatus::over_budget, {1}}}, {}};
  EXPECT_TRUE(failed_with(DecryptResponse::decode(refusal_with_partial.encode()), ErrorCategory::malformed));
}

TEST(TreeHead, SignatureBindsSizeAndRoot) {
  Keys trustee;
  translog::TreeHead head{5, {}, 1'790'000'000, {}};
  head.root[0] = 1;
  translog::sign(head, trustee.sk);
  const auto back = translog::TreeHead::decode(head.encode()).value();
  EXPECT_TRUE(translog::verify_signature(back, trustee.pk));
  auto bigger = back;
  bigger.size = 6;
  EXPECT_FALSE(translog::verify_signature(bigger, trustee.pk));
}

TEST(LogEntry, RoundTrips) {
  translog::Entry e{1, {}, {}, {}, 3, "session outside the warrant"};
  e.field_hash[4] = 2;
  const auto back = translog::Entry::decode(e.encode()).value();
  EXPECT_EQ(back.encode(), e.encode());
  EXPECT_EQ(back.reason, "session outside the warrant");
}


TEST(LogEntry, ReasonOf255BytesRoundTripsAnd256IsRefused) {
  auto e = translog::Entry::make(1, {}, {}, {}, 3, std::string(255, 'r')).value();
  EXPECT_EQ(translog::Entry::decode(e.encode()).value().reason, std::string(255, 'r'));
  auto over = translog::Entry::make(1, {}, {}, {}, 3, std::string(256, 'r'));
  ASSERT_TRUE(failed_with(over, ErrorCategory::malformed));
  EXPECT_NE(over.error().detail.find("256 bytes, over the limit of 255"), std::string::npos);
}

TEST(LogEntryDeathTest, EncodeAbortsOnAReasonMakeWouldRefuse) {
  translog::Entry e{1, {}, {}, {}, 3, std::string(256, 'r')};
  EXPECT_DEATH((void)e.encode(), "over its u8 prefix");
}

TEST(Request, CheckAppliesTheBoundsDecodeApplies) {
  Keys agency;
  auto r = sample();
  r.fields = {std::vector<uint8_t>(kMaxFieldBytes, 1)};
  r.signed_warrant = std::vector<uint8_t>(kMaxSignedWarrantBytes, 2);
  ASSERT_TRUE(r.check().has_value());
  sign(r, agency.sk);
  EXPECT_EQ(DecryptRequest::decode(r.encode()).value().fields, r.fields);

  auto big_field = sample();
  big_field.fields.push_back(std::vector<uint8_t>(kMaxFieldBytes + 1, 1));
  EXPECT_TRUE(failed_with(big_field.check(), ErrorCategory::malformed));
  auto big_warrant = sample();
  big_warrant.signed_warrant.resize(kMaxSignedWarrantBytes + 1);
  EXPECT_TRUE(failed_with(big_warrant.check(), ErrorCategory::malformed));
  auto many = sample();
  many.fields.assign(kMaxFields + 1, {1});
  EXPECT_TRUE(failed_with(many.check(), ErrorCategory::malformed));
  auto none = sample();
  none.fields.clear();
  EXPECT_TRUE(failed_with(none.check(), ErrorCategory::malformed));
}

TEST(RequestDeathTest, EncodeAbortsOnAFieldOverItsPrefix) {
  auto r = sample();
  r.fields.push_back(std::vector<uint8_t>(65536, 1));
  EXPECT_DEATH((void)r.encode(), "over its u16 prefix");
}

// The trustee's agency_busy check reads the agency key from a request's first bytes alone: the
// largest warrant's key lies inside kAgencyKeyPrefixBytes, a shorter prefix or another object's
// bytes give none.
TEST(Request, PeekFindsTheAgencyKeyOfTheLargestWarrantInItsPrefix) {
  warrant::Warrant w;
  w.case_reference = std::string(255, 'c');
  w.court = std::string(255, 'k');
  w.targets.assign(warrant::kMaxTargets, std::string(255, 't'));
  w.window_end = 1;
  w.max_sessions = 1;
  w.agency_sign_key.fill(0x5a);
  warrant::SignedWarrant sw{w, {}};
  auto r = sample();
  r.signed_warrant = sw.encode();
  const auto bytes = r.encode();
  const auto prefix = std::span(bytes).first(kAgencyKeyPrefixBytes);
  EXPECT_EQ(peek_agency_sign_key(prefix), std::optional(w.agency_sign_key));
  const auto key_end = 6 + 4 + 6 + 4 + w.encode().size();  // two headers, two lengths, the warrant
  EXPECT_LE(key_end, kAgencyKeyPrefixBytes);
  EXPECT_EQ(peek_agency_sign_key(std::span(bytes).first(key_end)), std::optional(w.agency_sign_key));
  EXPECT_EQ(peek_agency_sign_key(std::span(bytes).first(key_end - 1)), std::nullopt);
  EXPECT_EQ(peek_agency_sign_key(sw.encode()), std::nullopt);  // a signed warrant is not a request
}

}  // namespace
}  // namespace escrow::request
