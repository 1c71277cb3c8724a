#include "escrow/schemes.hpp"

#include <gtest/gtest.h>

#include "escrow/rng.hpp"

namespace escrow::schemes {
namespace {

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

class EveryDesign : public ::testing::TestWithParam<std::string_view> {};

TEST_P(EveryDesign, LawfulAccessOpensInScopeAndRefusesOutside) {
  DeterministicRng rng(std::string("schemes/") + std::string(GetParam()));
  auto s = make(GetParam(), Config{.crumple_bits = 6}, rng).value();
  const auto label = SessionLabel::make("alice", "bob", 1000, rng).value();
  auto sealed = seal(*s, label, bytes("hello bob"), rng).value();
  EXPECT_TRUE(s->recipient_check(sealed.session.field, sealed.key, label));
  auto in = lawful_open(*s, sealed.session, Scope{{"alice"}, 0, 2000}, rng);
  ASSERT_TRUE(in) << in.error().message();
  EXPECT_EQ(std::string(in->begin(), in->end()), "hello bob");
  EXPECT_FALSE(lawful_open(*s, sealed.session, Scope{{"carol"}, 0, 2000}, rng)) << "target not named";
}

TEST_P(EveryDesign, KStolenSecretsDecryptAndKMinusOneDoNot) {
  DeterministicRng rng(std::string("schemes-steal/") + std::string(GetParam()));
  auto s = make(GetParam(), Config{.crumple_bits = 6}, rng).value();
  const auto label = SessionLabel::make("alice", "bob", 1000, rng).value();
  auto sealed = seal(*s, label, bytes("archived"), rng).value();
  std::vector<TrusteeSecret> stolen;
  for (uint32_t i = 1; i <= s->threshold(); ++i) stolen.push_back(s->steal(*PartyIndex::make(i)));
  auto d = s->decryptor(stolen).value();
  auto key = d(sealed.session);
  ASSERT_TRUE(key);
  EXPECT_TRUE(open(sealed.session, *key));
  stolen.pop_back();
  EXPECT_FALSE(s->decryptor(stolen)) << "k-1 secrets";
}

TEST_P(EveryDesign, TamperedBodyOrLabelDoesNotOpen) {
  DeterministicRng rng(std::string("schemes-tamper/") + std::string(GetParam()));
  auto s = make(GetParam(), Config{.crumple_bits = 6}, rng).value();
  const auto label = SessionLabel::make("alice", "bob", 1000, rng).value();
  auto sealed = seal(*s, label, bytes("intact"), rng).value();
  auto body = sealed.session;
  body.body[0] ^= 1;
  EXPECT_FALSE(open(body, sealed.key));
  auto field = sealed.session;
  field.field[5] ^= 1;
  EXPECT_FALSE(open(field, sealed.key)) << "the field's hash is in the associated data";
  auto relabelled = sealed.session;
  relabelled.label.recipient = "mallory";
  EXPECT_FALSE(open(relabelled, sealed.key));
}

INSTANTIATE_TEST_SUITE_P(Schemes, EveryDesign, ::testing::ValuesIn(names()),
                         [](const auto& instance) {
                           std::string n(instance.param);
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(Schemes, UnknownDesignAndBadParametersAreRefused) {
  DeterministicRng rng("schemes-bad");
  EXPECT_FALSE(make("rot13", Config{}, rng));
  EXPECT_FALSE(make("tdh2", Config{.k = 4, .n = 3}, rng));
  EXPECT_FALSE(make("tdh2-crumple", Config{.crumple_bits = 40}, rng));
}

TEST(Schemes, RefreshKeepsDecryptionAndOldSharesStopWorking) {
  DeterministicRng rng("schemes-refresh");
  auto s = make("tdh2", Config{}, rng).value();
  const auto label = SessionLabel::make("alice", "bob", 1000, rng).value();
  auto sealed = seal(*s, label, bytes("before refresh"), rng).value();
  std::vector<TrusteeSecret> old{s->steal(*PartyIndex::make(1)), s->steal(*PartyIndex::make(2))};
  ASSERT_TRUE(s->refresh(rng));
  EXPECT_EQ(s->epoch(), 1u);
  EXPECT_TRUE(lawful_open(*s, sealed.session, Scope{{"alice"}, 0, 2000}, rng)) << "same Y after refresh";
  old.push_back(s->steal(*PartyIndex::make(3)));
  auto mixed = s->decryptor(old).value();
  auto key = mixed(sealed.session);
  EXPECT_TRUE(!key || !open(sealed.session, *key)) << "shares of two epochs rebuild nothing";
  DeterministicRng rng2("schemes-norefresh");
  EXPECT_FALSE(make("naive-shamir", Config{}, rng2).value()->refresh(rng2));
}

}  // namespace
}  // namespace escrow::schemes
