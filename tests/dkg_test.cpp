#include "escrow/dkg.hpp"

#include "escrow/dkg_message.hpp"
#include "escrow/domain.hpp"
#include "escrow/shamir.hpp"

#include <sodium.h>

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "test_support.hpp"

namespace escrow::dkg {
namespace {
using group::Point;
using group::Scalar;
using test::failed_with;

PartyIndex P(uint32_t i) { return *PartyIndex::make(i); }

// Runs every round among in-memory parties, with hooks through which a test makes one party
// misbehave. Only the parties not in `silent` finish.
struct Adversary {
  std::set<PartyIndex> silent;                                  // send nothing at all
  std::set<PartyIndex> no_answer;                               // never justify
  std::function<void(Share&)> tamper_share = [](Share&) {};     // private shares in round 1
  std::function<void(Justification&)> tamper_answer = [](Justification&) {};
  std::function<void(Deal&)> tamper_deal = [](Deal&) {};
  std::function<void(Extraction&)> tamper_extraction = [](Extraction&) {};
  std::vector<Deal> extra_deals;                                // delivered to everyone after the real ones
};

struct Run {
  std::vector<Party> parties;
  std::vector<Error> receive_errors;
  std::map<PartyIndex, Outcome> outcomes;
  std::map<PartyIndex, Error> finish_errors;  // why each party that did not finish did not
};

// Every round among the given parties (index order, 1..n); a party with nothing to send in round
// deal (outside a resharing's dealers) deals nothing.
Run run_parties(Protocol protocol, std::vector<Party> parties, const Adversary& adv) {
  Run r;
  r.parties = std::move(parties);
  auto note = [&](Result<void> res) {
    if (!res) r.receive_errors.push_back(res.error());
  };
  auto active = [&](const Party& p) { return !adv.silent.contains(p.index()); };
  for (auto& dealer : r.parties) {
    if (!active(dealer) || dealer.messages().empty()) continue;
    Deal d = dealer.deal();
    adv.tamper_deal(d);
    for (auto& p : r.parties) note(p.receive(d));
    for (auto s : dealer.shares()) {
      adv.tamper_share(s);
      note(r.parties[s.to.value() - 1].receive(s));
    }
  }
  for (const auto& d : adv.extra_deals)
    for (auto& p : r.parties) note(p.receive(d));
  auto close_round = [&] {
    for (auto& p : r.parties) p.close();
  };
  close_round();
  std::vector<Complaint> complaints;
  for (auto& p : r.parties)
    for (auto& c : p.complaints())
      if (active(p)) complaints.push_back(c);
  for (const auto& c : complaints)
    for (auto& p : r.parties) note(p.receive(c));
  close_round();
  std::vector<Justification> answers;
  for (auto& p : r.parties)
    for (auto j : p.justifications())
      if (active(p) && !adv.no_answer.contains(p.index())) {
        adv.tamper_answer(j);
        answers.push_back(j);
      }
  for (const auto& j : answers)
    for (auto& p : r.parties) note(p.receive(j));
  close_round();
  if (protocol == Protocol::gjkr) {
    std::vector<Extraction> ex;
    for (auto& p : r.parties)
      if (auto e = p.extraction(); e && active(p)) {
        adv.tamper_extraction(*e);
        ex.push_back(*e);
      }
    for (const auto& e : ex)
      for (auto& p : r.parties) note(p.receive(e));
    close_round();
    std::vector<Complaint> ec;
    for (auto& p : r.parties)
      for (auto& c : p.complaints())
        if (active(p)) ec.push_back(c);
    for (const auto& c : ec)
      for (auto& p : r.parties) note(p.receive(c));
    close_round();
    std::vector<Reveal> rv;
    for (auto& p : r.parties)
      for (auto& x : p.reveals())
        if (active(p)) rv.push_back(x);
    for (const auto& x : rv)
      for (auto& p : r.parties) note(p.receive(x));
    close_round();
  }
  for (auto& p : r.parties) {
    if (!active(p)) continue;
    auto o = p.finish();
    if (o) r.outcomes.emplace(p.index(), std::move(*o));
    else r.finish_errors.emplace(p.index(), o.error());
  }
  return r;
}

Run run(Protocol protocol, std::size_t k, std::size_t n, const Adversary& adv, std::string_view seed = "dkg",
        const std::vector<std::pair<tdh2::PublicKey, tdh2::KeyShare>>& previous = {}) {
  DeterministicRng rng(seed);
  std::vector<Party> parties;
  for (uint32_t i = 1; i <= n; ++i)
    parties.emplace_back(protocol, P(i), k, n, rng, previous.empty() ? std::nullopt : std::optional(std::pair(previous[i - 1].first, previous[i - 1].second.clone())));
  return run_parties(protocol, std::move(parties), adv);
}

// Every honest party finishes with the same public key, and any k of their shares decrypt.
// (A cheater's own view does not count: it may believe it is qualified.)
void expect_agreement_and_decryption(const Run& r, std::size_t k, std::size_t n, std::set<PartyIndex> cheaters = {}) {
  std::vector<const Outcome*> honest;
  for (uint32_t i = 1; i <= n; ++i) {
    if (cheaters.contains(P(i))) continue;
    ASSERT_TRUE(r.outcomes.contains(P(i))) << "honest party " << i << " did not finish";
    honest.push_back(&r.outcomes.at(P(i)));
  }
  const auto& first = *honest.front();
  for (const auto* o : honest) {
    EXPECT_EQ(o->public_key.encode(), first.public_key.encode()) << "party " << int(o->share.index().value()) << " disagrees";
    EXPECT_EQ(o->qualified, first.qualified);
  }
  SystemRng rng;
  const auto key = tdh2::random_session_key(rng);
  const std::vector<uint8_t> label = {'L'};
  const auto ct = tdh2::encrypt(first.public_key, key, label, rng).value();
  std::vector<tdh2::PartialDecryption> partials;
  for (const auto* o : honest) {
    if (partials.size() == k) break;
    partials.push_back(tdh2::partial_decrypt(first.public_key, o->share, ct, rng).value());
  }
  auto out = tdh2::combine(first.public_key, ct, partials);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_TRUE(out->key.equals(key));
}

void expect_disqualified(const Run& r, PartyIndex who, std::string_view because) {
  for (const auto& [i, o] : r.outcomes) {
    if (i == who) continue;  // the cheater's own opinion
    ASSERT_TRUE(o.disqualified.contains(who)) << "party " << int(i.value()) << " did not disqualify " << int(who.value());
    EXPECT_NE(o.disqualified.at(who).find(because), std::string::npos) << o.disqualified.at(who);
    EXPECT_EQ(std::count(o.qualified.begin(), o.qualified.end(), who), 0);
  }
}

class EveryProtocol : public ::testing::TestWithParam<Protocol> {};

TEST_P(EveryProtocol, HonestPartiesAgreeOnYAndDecrypt) {
  for (auto [k, n] : std::vector<std::pair<std::size_t, std::size_t>>{{1, 1}, {1, 3}, {2, 3}, {3, 5}, {5, 9}, {7, 13}}) {
    SCOPED_TRACE(testing::Message() << k << "-of-" << n);
    expect_agreement_and_decryption(run(GetParam(), k, n, {}), k, n);
  }
}

TEST_P(EveryProtocol, WrongShareWithoutAnswerDisqualifiesItsDealer) {
  Adversary adv;
  adv.tamper_share = [](Share& s) {
    if (s.from == P(2) && s.to == P(4)) s.s = s.s + Scalar::from_u64(1);
  };
  adv.no_answer = {P(2)};
  const auto r = run(GetParam(), 3, 5, adv);
  expect_disqualified(r, P(2), "did not answer");
  expect_agreement_and_decryption(r, 3, 5, {P(2)});
  // The key excludes party 2 entirely.
  const auto& o = r.outcomes.at(P(1));
  EXPECT_EQ(o.qualified, (std::vector<PartyIndex>{P(1), P(3), P(4), P(5)}));
}

TEST_P(EveryProtocol, WrongShareWithAFalseAnswerDisqualifiesItsDealer) {
  Adversary adv;
  adv.tamper_share = [](Share& s) {
    if (s.from == P(2) && s.to == P(4)) s.s = s.s + Scalar::from_u64(1);
  };
  adv.tamper_answer = [](Justification& j) {
    if (j.from == P(2)) j.s = j.s + Scalar::from_u64(7);
  };
  const auto r = run(GetParam(), 3, 5, adv);
  expect_disqualified(r, P(2), "fails its own commitments");
  expect_agreement_and_decryption(r, 3, 5, {P(2)});
}

TEST_P(EveryProtocol, WrongShareAnsweredHonestlyKeepsTheDealer) {
  // A share lost or garbled in transit is repaired by the public answer.
  Adversary adv;
  adv.tamper_share = [](Share& s) {
    if (s.from == P(2) && s.to == P(4)) s.s = s.s + Scalar::from_u64(1);
  };
  const auto r = run(GetParam(), 3, 5, adv);
  for (const auto& [i, o] : r.outcomes) EXPECT_FALSE(o.disqualified.contains(P(2)));
  expect_agreement_and_decryption(r, 3, 5);
}

TEST_P(EveryProtocol, WrongLengthCommitmentIsRefusedAndBlamed) {
  Adversary adv;
  adv.tamper_deal = [](Deal& d) {
    if (d.from == P(3)) d.commitments.pop_back();
  };
  const auto r = run(GetParam(), 3, 5, adv);
  ASSERT_FALSE(r.receive_errors.empty());
  EXPECT_EQ(r.receive_errors.front().blame, std::vector<PartyIndex>{P(3)});
  expect_disqualified(r, P(3), "entries");
  expect_agreement_and_decryption(r, 3, 5, {P(3)});
}

TEST_P(EveryProtocol, IdentityCommitmentIsRefusedAndBlamed) {
  Adversary adv;
  adv.tamper_deal = [](Deal& d) {
    if (d.from == P(3)) d.commitments.back() = Point::identity();
  };
  const auto r = run(GetParam(), 3, 5, adv);
  ASSERT_FALSE(r.receive_errors.empty());
  EXPECT_EQ(r.receive_errors.front().blame, std::vector<PartyIndex>{P(3)});
  expect_disqualified(r, P(3), "identity");
  expect_agreement_and_decryption(r, 3, 5, {P(3)});
}

TEST_P(EveryProtocol, SilentPartyIsDisqualifiedAndTheRestFinish) {
  Adversary adv;
  adv.silent = {P(5)};
  const auto r = run(GetParam(), 3, 5, adv);
  expect_disqualified(r, P(5), "silent");
  expect_agreement_and_decryption(r, 3, 5, {P(5)});
}

TEST_P(EveryProtocol, EquivocatingDealerIsCaughtAndBlamed) {
  // Dealer 3's broadcast reaches everyone, then the bulletin board relays a second, different
  // signed broadcast from it: two commitment vectors from one dealer in one round.
  Adversary adv;
  DeterministicRng other("equivocation");
  Deal second = Party(GetParam(), P(3), 3, 5, other).deal();
  adv.extra_deals = {second};
  const auto r = run(GetParam(), 3, 5, adv);
  ASSERT_FALSE(r.receive_errors.empty());
  EXPECT_EQ(r.receive_errors.front().category, ErrorCategory::invalid_proof);
  EXPECT_EQ(r.receive_errors.front().blame, std::vector<PartyIndex>{P(3)});
  expect_disqualified(r, P(3), "equivocation");
  expect_agreement_and_decryption(r, 3, 5, {P(3)});
}

TEST_P(EveryProtocol, MoreThanKMinus1ComplaintsDisqualify) {
  Adversary adv;
  adv.tamper_share = [](Share& s) {
    if (s.from == P(1)) s.s = s.s + Scalar::from_u64(1);  // wrong for everyone: 4 complaints > k-1 = 2
  };
  const auto r = run(GetParam(), 3, 5, adv);
  expect_disqualified(r, P(1), "complaints");
  expect_agreement_and_decryption(r, 3, 5, {P(1)});
}

INSTANTIATE_TEST_SUITE_P(Dkg, EveryProtocol, ::testing::Values(Protocol::joint_feldman, Protocol::gjkr),
                         [](const auto& instance) { return instance.param == Protocol::gjkr ? "Gjkr" : "JointFeldman"; });

TEST(Dkg, MessagesFromUnknownPartiesOrOutOfRoundAreRefused) {
  DeterministicRng rng("dkg/rounds");
  Party me(Protocol::joint_feldman, P(1), 2, 3, rng);
  Party stranger(Protocol::joint_feldman, P(9), 2, 9, rng);
  EXPECT_TRUE(failed_with(me.receive(stranger.deal()), ErrorCategory::malformed));
  Party two(Protocol::joint_feldman, P(2), 2, 3, rng);
  // A share addressed to someone else.
  EXPECT_TRUE(failed_with(me.receive(two.shares().back()), ErrorCategory::malformed));
  me.close();  // closes round 1
  EXPECT_TRUE(failed_with(me.receive(two.deal()), ErrorCategory::policy_denied));
}

TEST(Dkg, GjkrExtractionCheaterIsRebuiltInTheOpen) {
  // Dealer 2 publishes Feldman commitments that do not match its Pedersen-committed polynomial
  // (it tries to move Y after seeing the others'). Everyone complains with evidence, the shares
  // are revealed, and its polynomial is rebuilt: it stays in, with its honest contribution.
  Adversary adv;
  adv.tamper_extraction = [](Extraction& e) {
    if (e.from == P(2)) e.commitments[0] = e.commitments[0] + Point::generator();
  };
  const auto cheated = run(Protocol::gjkr, 3, 5, adv, "gjkr/extraction");
  const auto honest = run(Protocol::gjkr, 3, 5, {}, "gjkr/extraction");
  expect_agreement_and_decryption(cheated, 3, 5);
  EXPECT_EQ(cheated.outcomes.begin()->second.public_key.encode(), honest.outcomes.begin()->second.public_key.encode())
      << "the cheater moved Y";
}

TEST(Refresh, KeepsYChangesEveryShareAndTheKeyStillDecrypts) {
  const auto first = run(Protocol::gjkr, 3, 5, {}, "refresh/base");
  std::vector<std::pair<tdh2::PublicKey, tdh2::KeyShare>> previous;
  for (const auto& [i, o] : first.outcomes) previous.emplace_back(o.public_key, o.share.clone());
  const auto refreshed = run(Protocol::refresh, 3, 5, {}, "refresh/epoch1", previous);
  expect_agreement_and_decryption(refreshed, 3, 5);
  const auto& before = first.outcomes.begin()->second;
  const auto& after = refreshed.outcomes.begin()->second;
  EXPECT_EQ(after.public_key.y, before.public_key.y);
  EXPECT_EQ(after.public_key.epoch, 1u);
  for (uint32_t i = 1; i <= 5; ++i) {
    EXPECT_FALSE(after.public_key.verification_key(P(i)) == before.public_key.verification_key(P(i)));
    EXPECT_FALSE(refreshed.outcomes.at(P(i)).share.expose_secret() == first.outcomes.at(P(i)).share.expose_secret());
  }
}

TEST(Refresh, OldEpochSharesAreUselessAfterARefresh) {
  const auto first = run(Protocol::joint_feldman, 3, 5, {}, "refresh/old");
  std::vector<std::pair<tdh2::PublicKey, tdh2::KeyShare>> previous;
  for (const auto& [i, o] : first.outcomes) previous.emplace_back(o.public_key, o.share.clone());
  const auto refreshed = run(Protocol::refresh, 3, 5, {}, "refresh/old/1", previous);
  const auto& pk = refreshed.outcomes.begin()->second.public_key;
  SystemRng rng;
  const auto key = tdh2::random_session_key(rng);
  const std::vector<uint8_t> label = {'L'};
  const auto ct = tdh2::encrypt(pk, key, label, rng).value();
  // An old share is refused by the trustee step, and a partial from it is refused by the combiner,
  // even with its epoch relabelled: its value no longer matches the new Y_i.
  const auto& old_share = first.outcomes.at(P(1)).share;
  EXPECT_TRUE(failed_with(tdh2::partial_decrypt(pk, old_share, ct, rng), ErrorCategory::policy_denied));
  const tdh2::KeyShare relabelled(old_share.index(), pk.epoch, group::SecretScalar(old_share.expose_secret()));
  auto stale = tdh2::partial_decrypt(pk, relabelled, ct, rng).value();
  EXPECT_TRUE(failed_with(tdh2::verify_partial(pk, ct, stale), ErrorCategory::invalid_proof));
  // Mixing one old share with two new ones in the raw interpolation does not give x.
  std::vector<shamir::Share> mixed = {{P(1), old_share.expose_secret()},
                                      {P(2), refreshed.outcomes.at(P(2)).share.expose_secret()},
                                      {P(3), refreshed.outcomes.at(P(3)).share.expose_secret()}};
  EXPECT_FALSE(Point::base_mul(shamir::reconstruct(mixed).value()) == pk.y);
}

TEST(Refresh, ACheatingPartyIsDisqualifiedAndTheRefreshStillHolds) {
  const auto first = run(Protocol::gjkr, 3, 5, {}, "refresh/cheat/base");
  std::vector<std::pair<tdh2::PublicKey, tdh2::KeyShare>> previous;
  for (const auto& [i, o] : first.outcomes) previous.emplace_back(o.public_key, o.share.clone());
  Adversary adv;
  adv.tamper_share = [](Share& s) {
    if (s.from == P(4) && s.to == P(1)) s.s = s.s + Scalar::from_u64(1);
  };
  adv.no_answer = {P(4)};
  const auto r = run(Protocol::refresh, 3, 5, adv, "refresh/cheat", previous);
  expect_disqualified(r, P(4), "did not answer");
  expect_agreement_and_decryption(r, 3, 5, {P(4)});
  EXPECT_EQ(r.outcomes.at(P(1)).public_key.y, first.outcomes.at(P(1)).public_key.y);
}

// ---- resharing refresh (SPEC §12.7) ----

using KeyAndShare = std::pair<tdh2::PublicKey, tdh2::KeyShare>;

// A 3-of-5 authority split across epochs: every party's key after a GJKR run (epoch 0) and a
// refresh (epoch 1) whose commit only the parties in `moved` took; the others kept epoch 0.
struct Split {
  std::map<PartyIndex, KeyAndShare> keys;
  tdh2::PublicKey epoch0, epoch1;
};
Split split_epochs(std::set<PartyIndex> moved, std::string_view seed) {
  const auto base = run(Protocol::gjkr, 3, 5, {}, std::string(seed) + "/base");
  std::vector<KeyAndShare> previous;
  for (const auto& [i, o] : base.outcomes) previous.emplace_back(o.public_key, o.share.clone());
  const auto refreshed = run(Protocol::refresh, 3, 5, {}, std::string(seed) + "/refresh", previous);
  Split s{{}, base.outcomes.at(P(1)).public_key, refreshed.outcomes.at(P(1)).public_key};
  for (uint32_t i = 1; i <= 5; ++i) {
    const auto& o = (moved.contains(P(i)) ? refreshed : base).outcomes.at(P(i));
    s.keys.emplace(P(i), KeyAndShare(o.public_key, o.share.clone()));
  }
  return s;
}

KeyAndShare clone_of(const KeyAndShare& k) { return {k.first, k.second.clone()}; }

std::vector<Party> resharing_parties(const Split& s, const Resharing& plan, std::string_view seed,
                                     std::map<PartyIndex, KeyAndShare> replaced = {}) {
  DeterministicRng rng(seed);
  std::vector<Party> parties;
  for (const auto& [i, key] : s.keys)
    parties.push_back(Party::resharing(i, 3, 5, plan, clone_of(replaced.contains(i) ? replaced.at(i) : key), rng).value());
  return parties;
}

// x itself is never rebuilt by the protocol; the test rebuilds it from every 3-subset of the new
// shares (of the parties that finished) and checks each gives the same Y: one sharing of the same
// secret.
void expect_one_sharing_of(const Run& r, const group::Point& y) {
  std::vector<PartyIndex> done;
  for (const auto& [i, o] : r.outcomes) done.push_back(i);
  ASSERT_GE(done.size(), 3u);
  for (std::size_t a = 0; a < done.size(); ++a)
    for (std::size_t b = a + 1; b < done.size(); ++b)
      for (std::size_t c = b + 1; c < done.size(); ++c) {
        std::vector<shamir::Share> three;
        for (std::size_t i : {a, b, c}) three.push_back({done[i], r.outcomes.at(done[i]).share.expose_secret()});
        EXPECT_EQ(Point::base_mul(shamir::reconstruct(three).value()), y) << a << b << c;
      }
}

TEST(Reshare, FromKDealersEveryPartyLaggingOrNotGetsTheSameSecretAtTheNextEpoch) {
  const auto split = split_epochs({P(1), P(2), P(3)}, "reshare/k");
  const auto r = run_parties(Protocol::reshare, resharing_parties(split, {{P(1), P(2), P(3)}, 1}, "reshare/k/deal"), {});
  ASSERT_EQ(r.outcomes.size(), 5u) << (r.finish_errors.empty() ? "" : r.finish_errors.begin()->second.message());
  expect_agreement_and_decryption(r, 3, 5);
  const auto& pk = r.outcomes.at(P(4)).public_key;
  EXPECT_EQ(pk.y, split.epoch0.y);
  EXPECT_EQ(pk.epoch, 2u);
  EXPECT_EQ(r.outcomes.at(P(1)).qualified, (std::vector<PartyIndex>{P(1), P(2), P(3)}));
  expect_one_sharing_of(r, split.epoch0.y);
  // A quorum of the two formerly lagging parties and one that was up to date opens a ciphertext.
  SystemRng rng;
  const auto key = tdh2::random_session_key(rng);
  const std::vector<uint8_t> label = {'L'};
  const auto ct = tdh2::encrypt(pk, key, label, rng).value();
  std::vector<tdh2::PartialDecryption> partials;
  for (uint32_t i : {4, 5, 2}) partials.push_back(tdh2::partial_decrypt(pk, r.outcomes.at(P(i)).share, ct, rng).value());
  auto opened = tdh2::combine(pk, ct, partials);
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  EXPECT_TRUE(opened->key.equals(key));
  // Every share is new: none equals its epoch-0 or epoch-1 value.
  for (uint32_t i = 1; i <= 5; ++i) EXPECT_FALSE(r.outcomes.at(P(i)).share.expose_secret() == split.keys.at(P(i)).second.expose_secret());
}

TEST(Reshare, FromAllNDealersGivesTheSameSecretAtTheNextEpoch) {
  const auto split = split_epochs({P(1), P(2), P(3), P(4), P(5)}, "reshare/n");
  const auto r = run_parties(Protocol::reshare, resharing_parties(split, {{P(1), P(2), P(3), P(4), P(5)}, 1}, "reshare/n/deal"), {});
  ASSERT_EQ(r.outcomes.size(), 5u);
  expect_agreement_and_decryption(r, 3, 5);
  EXPECT_EQ(r.outcomes.at(P(1)).public_key.epoch, 2u);
  expect_one_sharing_of(r, split.epoch1.y);
}

// Dealer 2 deals a consistent sharing of lambda_2 (x_2 + 1): every share verifies, so only the check
// of C_20 against lambda_2 Y_2 of epoch 1 catches it. With all five dealing, the parties at epoch 1
// name and disqualify it, and the four left re-weight to the same x.
TEST(Reshare, ADealerOfTheWrongConstantIsNamedAndTheOthersStillReshareX) {
  const auto split = split_epochs({P(1), P(2), P(3), P(4), P(5)}, "reshare/cheat");
  auto forged = clone_of(split.keys.at(P(2)));
  forged.second = tdh2::KeyShare(P(2), 1, group::SecretScalar(forged.second.expose_secret() + Scalar::from_u64(1)));
  std::map<PartyIndex, KeyAndShare> replaced;
  replaced.emplace(P(2), std::move(forged));
  const auto r = run_parties(Protocol::reshare, resharing_parties(split, {{P(1), P(2), P(3), P(4), P(5)}, 1}, "reshare/cheat/deal", std::move(replaced)), {});
  expect_disqualified(r, P(2), "C_0 is not lambda");
  bool blamed = false;
  for (const auto& e : r.receive_errors) blamed |= e.category == ErrorCategory::invalid_proof && e.blame == std::vector<PartyIndex>{P(2)};
  EXPECT_TRUE(blamed);
  expect_agreement_and_decryption(r, 3, 5, {P(2)});
  EXPECT_EQ(r.outcomes.at(P(1)).qualified, (std::vector<PartyIndex>{P(1), P(3), P(4), P(5)}));
  EXPECT_EQ(r.outcomes.at(P(1)).public_key.y, split.epoch1.y);
}

// The same cheat among exactly k dealers: the parties at epoch 1 disqualify dealer 2 and, with two
// dealers left, fail; the lagging parties, who cannot check C_20, find the constant terms do not add
// up to Y and fail too. Nobody ends with a key.
TEST(Reshare, ACheatAmongKDealersLeavesTooFewAndEveryPartyFails) {
  const auto split = split_epochs({P(1), P(2), P(3)}, "reshare/few");
  auto forged = clone_of(split.keys.at(P(2)));
  forged.second = tdh2::KeyShare(P(2), 1, group::SecretScalar(forged.second.expose_secret() + Scalar::from_u64(1)));
  std::map<PartyIndex, KeyAndShare> replaced;
  replaced.emplace(P(2), std::move(forged));
  const auto r = run_parties(Protocol::reshare, resharing_parties(split, {{P(1), P(2), P(3)}, 1}, "reshare/few/deal", std::move(replaced)), {});
  for (uint32_t i : {1, 3}) {
    ASSERT_TRUE(r.finish_errors.contains(P(i)));
    EXPECT_EQ(r.finish_errors.at(P(i)).category, ErrorCategory::not_enough_shares) << r.finish_errors.at(P(i)).message();
  }
  for (uint32_t i : {4, 5}) {
    ASSERT_TRUE(r.finish_errors.contains(P(i)));
    EXPECT_EQ(r.finish_errors.at(P(i)).category, ErrorCategory::invalid_proof) << r.finish_errors.at(P(i)).message();
    EXPECT_NE(r.finish_errors.at(P(i)).detail.find("do not add up to the authority key Y"), std::string::npos);
  }
  EXPECT_TRUE(r.outcomes.empty() || (r.outcomes.size() == 1 && r.outcomes.contains(P(2))));  // only the cheater's own view
}

// A dealer whose deal fails a share's check (the ordinary Feldman complaint) and does not answer is
// disqualified as in a refresh: with three of four dealers left the resharing still holds.
TEST(Reshare, AWrongShareUnansweredDisqualifiesItsDealer) {
  const auto split = split_epochs({P(1), P(2), P(3), P(4)}, "reshare/share");
  Adversary adv;
  adv.tamper_share = [](Share& s) {
    if (s.from == P(3) && s.to == P(5)) s.s = s.s + Scalar::from_u64(1);
  };
  adv.no_answer = {P(3)};
  const auto r = run_parties(Protocol::reshare, resharing_parties(split, {{P(1), P(2), P(3), P(4)}, 1}, "reshare/share/deal"), adv);
  expect_disqualified(r, P(3), "did not answer");
  // Party 3 was disqualified by everyone, lagging party 5 included, so every view re-weights alike
  // (party 3 itself does not finish: it knows it was disqualified).
  ASSERT_EQ(r.outcomes.size(), 4u);
  EXPECT_FALSE(r.outcomes.contains(P(3)));
  EXPECT_EQ(r.outcomes.at(P(5)).qualified, (std::vector<PartyIndex>{P(1), P(2), P(4)}));
  expect_agreement_and_decryption(r, 3, 5, {P(3)});
  expect_one_sharing_of(r, split.epoch1.y);
}

TEST(Reshare, APlanThatCannotWorkIsRefusedBeforeAnyoneDeals) {
  const auto split = split_epochs({P(1), P(2), P(3)}, "reshare/plan");
  DeterministicRng rng("reshare/plan/deal");
  auto make = [&](uint32_t me, Resharing plan, std::size_t k = 3) { return Party::resharing(P(me), k, 5, plan, clone_of(split.keys.at(P(me))), rng); };
  EXPECT_TRUE(failed_with(make(1, {{P(1), P(2)}, 1}), ErrorCategory::not_enough_shares));             // fewer than k dealers
  EXPECT_TRUE(failed_with(make(1, {{P(2), P(1), P(3)}, 1}), ErrorCategory::malformed));               // not increasing
  EXPECT_TRUE(failed_with(make(1, {{P(1), P(2), P(2), P(3)}, 1}), ErrorCategory::malformed));         // repeated
  EXPECT_TRUE(failed_with(make(1, {{P(1), P(2), P(6)}, 1}), ErrorCategory::malformed));               // outside 1..n
  EXPECT_TRUE(failed_with(make(1, {{P(1), P(2), P(3)}, 1}, 2), ErrorCategory::malformed));            // another k
  EXPECT_TRUE(failed_with(make(4, {{P(1), P(2), P(4)}, 1}), ErrorCategory::policy_denied));           // a dealer not at epoch e
  EXPECT_TRUE(failed_with(make(1, {{P(3), P(4), P(5)}, 0}), ErrorCategory::policy_denied));           // a party past e
  EXPECT_TRUE(make(4, {{P(1), P(2), P(3)}, 1}).has_value());                                          // a lagging party below e
  auto foreign = clone_of(split.keys.at(P(1)));
  EXPECT_TRUE(failed_with(Party::resharing(P(2), 3, 5, {{P(1), P(2), P(3)}, 1}, std::move(foreign), rng), ErrorCategory::malformed));  // another's share
}

TEST(Reshare, ADealOrShareFromOutsideTheDealersIsRefusedAndBlamed) {
  const auto split = split_epochs({P(1), P(2), P(3)}, "reshare/outside");
  auto parties = resharing_parties(split, {{P(1), P(2), P(3)}, 1}, "reshare/outside/deal");
  EXPECT_TRUE(parties[3].messages().empty());  // lagging party 4 deals nothing
  EXPECT_TRUE(parties[3].shares().empty());
  const Deal stray{P(4), parties[0].deal().commitments};
  auto r = parties[0].receive(stray);
  ASSERT_TRUE(failed_with(r, ErrorCategory::malformed));
  EXPECT_EQ(r.error().blame, std::vector<PartyIndex>{P(4)});
  auto s = parties[0].receive(Share{P(5), P(1), Scalar::from_u64(7), Scalar()});
  ASSERT_TRUE(failed_with(s, ErrorCategory::malformed));
  EXPECT_EQ(s.error().blame, std::vector<PartyIndex>{P(5)});
  // And a complaint against a party that does not deal.
  for (auto& p : parties) p.close();
  auto c = parties[0].receive(Complaint{P(2), P(4), std::nullopt});
  ASSERT_TRUE(failed_with(c, ErrorCategory::malformed));
  EXPECT_EQ(c.error().blame, std::vector<PartyIndex>{P(2)});
}

}  // namespace
}  // namespace escrow::dkg

namespace escrow::dkg {
namespace {

TEST(DkgWire, EveryMessageRoundTripsAndRefusesTruncation) {
  DeterministicRng rng("dkg/wire");
  Party p(Protocol::gjkr, P(2), 3, 5, rng);
  const auto deal = p.deal();
  const auto share = p.shares().front();
  const Complaint complaint{P(4), P(2), share};
  const Extraction extraction{P(2), deal.commitments};
  EXPECT_EQ(encode(decode_deal(encode(deal)).value()), encode(deal));
  EXPECT_EQ(encode(decode_share(encode(share)).value()), encode(share));
  EXPECT_EQ(encode(decode_complaint(encode(complaint)).value()), encode(complaint));
  EXPECT_EQ(encode(decode_extraction(encode(extraction)).value()), encode(extraction));
  const auto bytes = encode(deal);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) EXPECT_FALSE(decode_deal(std::span(bytes).first(cut)).has_value());
  auto zero_index = encode(complaint);
  zero_index[6] = 0;
  EXPECT_FALSE(decode_complaint(zero_index).has_value());
}

}  // namespace
}  // namespace escrow::dkg

// ---- rounds as data, and the signed ceremony frame (SPEC §12.4) ----

namespace escrow::dkg {
namespace {

TEST(DkgRounds, AreTheOneListEveryDriverWalks) {
  EXPECT_EQ(rounds(Protocol::gjkr).size(), 6u);
  EXPECT_EQ(rounds(Protocol::joint_feldman).size(), 3u);
  EXPECT_EQ(rounds(Protocol::refresh).size(), 3u);
  EXPECT_EQ(rounds(Protocol::reshare).size(), 3u);
  for (auto p : {Protocol::joint_feldman, Protocol::gjkr, Protocol::refresh, Protocol::reshare}) {
    EXPECT_EQ(protocol_named(name(p)), p);
    EXPECT_EQ(rounds(p).front(), Round::deal);
    for (Round r : rounds(p)) EXPECT_EQ(round_of_byte(static_cast<uint8_t>(r)), r);
  }
  EXPECT_FALSE(protocol_named("feldman").has_value());
  EXPECT_FALSE(round_of_byte(0).has_value());
  EXPECT_FALSE(round_of_byte(7).has_value());
}

TEST(DkgRounds, GettersDoNotCloseRoundsAndFinishWaitsForTheLast) {
  DeterministicRng rng("dkg/getters");
  Party p(Protocol::joint_feldman, P(1), 1, 1, rng);
  EXPECT_EQ(p.round(), Round::deal);
  EXPECT_EQ(p.messages().size(), 1u);
  EXPECT_EQ(p.messages().size(), 1u);  // asking twice changes nothing
  (void)p.complaints();
  EXPECT_EQ(p.round(), Round::deal);
  EXPECT_TRUE(failed_with(p.finish(), ErrorCategory::policy_denied));  // rounds still open
  for (std::size_t i = 0; i < rounds(Protocol::joint_feldman).size(); ++i) p.close();
  EXPECT_TRUE(p.closed());
  EXPECT_TRUE(p.messages().empty());
  EXPECT_TRUE(p.finish().has_value());
}

TEST(DkgRounds, AComplaintWithEvidenceBelongsToTheExtractionPhaseOnly) {
  DeterministicRng rng("dkg/evidence");
  Party me(Protocol::gjkr, P(1), 2, 3, rng);
  Party two(Protocol::gjkr, P(2), 2, 3, rng);
  me.close();
  ASSERT_EQ(me.round(), Round::complain);
  EXPECT_TRUE(failed_with(me.receive(Complaint{P(2), P(3), two.shares().front()}), ErrorCategory::malformed));
  EXPECT_TRUE(me.receive(Complaint{P(2), P(3), std::nullopt}).has_value());
  EXPECT_TRUE(failed_with(me.receive(Justification{P(4), P(1), {}, {}}), ErrorCategory::malformed));  // party 4 of 3
}

struct Keys {
  Keys() {
    crypto_sign_keypair(sign_public.data(), sign_secret.expose().data());
    crypto_box_keypair(box_public.data(), box_secret.expose().data());
  }
  signature::SigningKey sign_secret;
  signature::VerifyKey sign_public{};
  BoxPublicKey box_public{};
  BoxSecretKey box_secret;
};

class DkgFrame : public ::testing::Test {
 protected:
  DkgFrame() : rng("dkg/frame"), two(Protocol::gjkr, P(2), 2, 3, rng) { context.ceremony[0] = 7; }
  Result<Message> open(const std::vector<uint8_t>& bytes, const Keys& sender, const Keys& me, PartyIndex me_index = P(3),
                       const FrameContext* ctx = nullptr) {
    auto f = parse_frame(bytes);
    if (!f) return escrow::unexpected(f.error());
    return open_frame(*f, ctx ? *ctx : context, sender.sign_public, {me_index, me.box_public, me.box_secret});
  }
  DeterministicRng rng;
  Party two;
  FrameContext context{{}, Protocol::gjkr, Round::deal};
  Keys k2, k3, other;
};

TEST_F(DkgFrame, ABroadcastAndASealedShareOpenToTheirMessages) {
  const auto deal = make_frame(context, two.deal(), k2.sign_secret, nullptr).value();
  EXPECT_EQ(deal[5], 0x13);
  EXPECT_EQ(deal.size(), 95 + encode(two.deal()).size());
  auto d = open(deal, k2, k3);
  ASSERT_TRUE(d.has_value()) << d.error().message();
  EXPECT_EQ(encode(std::get<Deal>(*d)), encode(two.deal()));
  const Share share = two.shares()[1];  // to party 3
  ASSERT_EQ(share.to, P(3));
  const auto sealed = make_frame(context, share, k2.sign_secret, &k3.box_public).value();
  auto s = open(sealed, k2, k3);
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(encode(Message(std::get<Share>(*s))), encode(Message(share)));
  EXPECT_FALSE(make_frame(context, share, k2.sign_secret, nullptr).has_value());                      // a share needs a box key
  EXPECT_FALSE(make_frame(context, Complaint{P(2), P(1), std::nullopt}, k2.sign_secret, nullptr).has_value());  // not of round deal
}

TEST_F(DkgFrame, EveryCheckRefusesItsOwnCase) {
  const auto deal = make_frame(context, two.deal(), k2.sign_secret, nullptr).value();
  const Share share = two.shares()[1];
  const auto sealed = make_frame(context, share, k2.sign_secret, &k3.box_public).value();
  // Context: another ceremony, protocol or round.
  for (auto ctx : {FrameContext{{}, Protocol::gjkr, Round::deal}, FrameContext{context.ceremony, Protocol::joint_feldman, Round::deal},
                   FrameContext{context.ceremony, Protocol::gjkr, Round::complain}})
    EXPECT_TRUE(failed_with(open(deal, k2, k3, P(3), &ctx), ErrorCategory::policy_denied));
  // Signature: not the roster's key of the sender; or any signed byte changed.
  auto r = open(deal, other, k3);
  EXPECT_TRUE(failed_with(r, ErrorCategory::invalid_proof));
  EXPECT_EQ(r.error().blame, std::vector<PartyIndex>{P(2)});
  auto flipped = deal;
  flipped[40] ^= 1;  // inside the payload
  EXPECT_FALSE(open(flipped, k2, k3).has_value());
  // Addressee: a share for party 3 delivered to party 1.
  EXPECT_TRUE(failed_with(open(sealed, k2, k3, P(1)), ErrorCategory::malformed));
  // Sealing: sealed to another key.
  const auto misdirected = make_frame(context, share, k2.sign_secret, &other.box_public).value();
  EXPECT_TRUE(failed_with(open(misdirected, k2, k3), ErrorCategory::decryption_failed));
  // Payload: a frame from party 1 carrying party 2's deal, validly signed by party 1.
  Frame f = parse_frame(deal).value();
  f.from = P(1);
  f.signature = signature::sign(domain::kDkgFrame, f.signed_part(), k2.sign_secret);
  EXPECT_TRUE(failed_with(open(f.encode(), k2, k3), ErrorCategory::malformed));
  // Payload: the type byte says extraction, the payload is a deal.
  Frame g = parse_frame(deal).value();
  g.round = Round::extract;
  g.type = 0x10;
  g.signature = signature::sign(domain::kDkgFrame, g.signed_part(), k2.sign_secret);
  const FrameContext extract{context.ceremony, Protocol::gjkr, Round::extract};
  EXPECT_TRUE(failed_with(open(g.encode(), k2, k3, P(3), &extract), ErrorCategory::malformed));
}

TEST_F(DkgFrame, ParsingRefusesEveryIllFormedFrame) {
  const auto deal = make_frame(context, two.deal(), k2.sign_secret, nullptr).value();
  ASSERT_TRUE(parse_frame(deal).has_value());
  EXPECT_EQ(parse_frame(deal)->encode(), deal);
  for (std::size_t cut = 0; cut < deal.size(); ++cut) EXPECT_FALSE(parse_frame(std::span(deal).first(cut)).has_value()) << cut;
  auto with = [&](std::size_t at, uint8_t value) {
    auto b = deal;
    b.at(at) = value;
    return b;
  };
  auto longer = deal;
  longer.push_back(0);
  EXPECT_FALSE(parse_frame(longer).has_value());  // trailing byte
  EXPECT_FALSE(parse_frame(with(4, 2)).has_value());   // version
  EXPECT_FALSE(parse_frame(with(5, 0x0d)).has_value());  // not a frame's type
  EXPECT_FALSE(parse_frame(with(22, 0)).has_value());  // unknown protocol
  EXPECT_FALSE(parse_frame(with(23, 9)).has_value());  // unknown round
  auto feldman_extract = with(22, 1);
  feldman_extract[23] = 4;
  EXPECT_FALSE(parse_frame(feldman_extract).has_value());  // Joint-Feldman has no extract round
  EXPECT_FALSE(parse_frame(with(24, 0x10)).has_value());  // extraction in round deal
  EXPECT_FALSE(parse_frame(with(25, 0)).has_value());  // sender 0
  EXPECT_FALSE(parse_frame(with(26, 3)).has_value());  // a deal addressed to one party
  const auto sealed = make_frame(context, two.shares()[1], k2.sign_secret, &k3.box_public).value();
  auto broadcast_share = sealed;
  broadcast_share[26] = 0;
  EXPECT_FALSE(parse_frame(broadcast_share).has_value());  // a share addressed to nobody
  auto huge = deal;
  huge[27] = 0xff;  // payload length over the limit
  EXPECT_FALSE(parse_frame(huge).has_value());
}

}  // namespace
}  // namespace escrow::dkg
