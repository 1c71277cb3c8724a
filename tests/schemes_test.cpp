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

// naive-shamir has no proofs; with k + 1 answers its investigator tries the k-subsets against the
// session and names whoever is left out of every subset that opens. With k answers it cannot.
TEST(Schemes, NaiveShamirCombineTriesSubsetsAndBlamesTheCheater) {
  DeterministicRng rng("schemes-naive-subsets");
  auto s = make("naive-shamir", Config{}, rng).value();
  const auto label = SessionLabel::make("alice", "bob", 1000, rng).value();
  auto sealed = seal(*s, label, bytes("covered"), rng).value();
  const Scope scope{{"alice"}, 0, 2000};
  const auto opens = [&](const SessionKey& k) { return open(sealed.session, k).has_value(); };
  const auto answers_with_cheater = [&](std::size_t count, uint32_t cheater) {
    std::vector<Answer> answers;
    for (uint32_t i = 1; i <= count; ++i)
      answers.push_back(s->answer(*PartyIndex::make(i), sealed.session.field, label, scope,
                                  i == cheater ? Conduct::wrong_share : Conduct::honest, rng)
                            .value());
    return answers;
  };
  for (uint32_t cheater : {1u, 2u, 4u}) {
    auto rec = s->combine(sealed.session.field, label, answers_with_cheater(4, cheater), opens);
    ASSERT_TRUE(rec) << "cheater " << cheater;
    EXPECT_TRUE(opens(rec->key));
    ASSERT_EQ(rec->blamed.size(), 1u);
    EXPECT_EQ(rec->blamed[0].value(), cheater);
  }
  auto honest = s->combine(sealed.session.field, label, answers_with_cheater(4, 0), opens);
  ASSERT_TRUE(honest);
  EXPECT_TRUE(honest->blamed.empty()) << "every subset opens: nobody is left out of all of them";
  auto exactly_k = s->combine(sealed.session.field, label, answers_with_cheater(3, 2), opens);
  EXPECT_TRUE(!exactly_k || !opens(exactly_k->key)) << "k answers, one wrong: no spare to leave out";
  auto two_cheaters = answers_with_cheater(4, 2);
  two_cheaters[2] = s->answer(*PartyIndex::make(3), sealed.session.field, label, scope, Conduct::wrong_share, rng).value();
  EXPECT_FALSE(s->combine(sealed.session.field, label, two_cheaters, opens)) << "no 3-subset of 4 with 2 wrong opens";
}

}  // namespace
}  // namespace escrow::schemes
