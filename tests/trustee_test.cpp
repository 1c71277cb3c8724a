// escrow::trustee::decide(), step by step (SPEC §11.2): every refusal reason, the earlier reason
// when a request fails two checks, what is logged and what changes. An in-memory state view; a
// court, a dealt key and an agency made here.
#include "escrow/trustee.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <ctime>
#include <mutex>
#include <thread>
#include <map>
#include <set>

#include "escrow/pki.hpp"
#include "escrow/translog.hpp"
#include "tdh2_testing.hpp"

namespace escrow::trustee {
namespace {

struct MemoryState : StateView {
  std::set<std::pair<request::VerifyKey, std::array<uint8_t, 16>>> nonces;
  std::set<std::pair<std::array<uint8_t, 32>, std::array<uint8_t, 32>>> opened_fields;
  bool over_budget = false, proven = false, rate = true;

  Result<bool> nonce_seen(const request::VerifyKey& a, const std::array<uint8_t, 16>& n) override { return nonces.contains({a, n}); }
  bool source_over_budget() override { return over_budget; }
  bool agency_proven(const request::VerifyKey&) override { return proven; }
  std::vector<uint64_t> rate_asked;  // the fields each take_rate() call was asked for
  bool take_rate(const request::VerifyKey&, uint64_t fields) override {
    rate_asked.push_back(fields);
    return rate;
  }
  Result<uint64_t> opened_count(const std::array<uint8_t, 32>& w) override {
    uint64_t n = 0;
    for (const auto& [warrant, field] : opened_fields) n += warrant == w;
    return n;
  }
  Result<bool> opened(const std::array<uint8_t, 32>& w, const std::array<uint8_t, 32>& f) override { return opened_fields.contains({w, f}); }
  // What the daemon does with a decision's change.
  void commit(const Decision& d) {
    if (d.change.record_nonce) nonces.insert({d.change.agency, *d.change.record_nonce});
    for (const auto& f : d.change.newly_opened) opened_fields.insert({d.change.warrant_hash, f});
  }
};

struct World {
  SystemRng rng;
  uint64_t now = static_cast<uint64_t>(std::time(nullptr));
  pki::Credential root = pki::create_root("Test Root", 3650).value();
  pki::Credential judge = pki::appoint_judge(root, "Judge Jane", 365).value();
  pki::Credential other_root = pki::create_root("Another Root", 3650).value();
  pki::Credential other_judge = pki::appoint_judge(other_root, "Judge Other", 365).value();
  std::string crl = pki::issue_crl(root, {}, 24).value();
  tdh2::Dealt dealt = tdh2::deal(2, 3, rng).value();
  request::VerifyKey agency_pk{};
  request::SigningKey agency_sk;
  std::array<uint8_t, 32> agency_box{};

  World() {
    crypto_sign_keypair(agency_pk.data(), agency_sk.expose().data());
    std::array<uint8_t, 32> box_sk{};
    crypto_box_keypair(agency_box.data(), box_sk.data());
  }
  warrant::SignedWarrant warrant(const pki::Credential& by, uint64_t max_sessions = 10) const {
    warrant::SignedWarrant sw;
    sw.warrant.id[0] = 1;
    sw.warrant.case_reference = "case";
    sw.warrant.court = "court";
    sw.warrant.targets = {"bob"};
    sw.warrant.window_start = 1000;
    sw.warrant.window_end = 2000;
    sw.warrant.max_sessions = max_sessions;
    sw.warrant.not_after = now + 3600;
    sw.warrant.agency_sign_key = agency_pk;
    sw.warrant.agency_box_key = agency_box;
    EXPECT_TRUE(warrant::add_signature(sw, by).has_value());
    return sw;
  }
  std::vector<uint8_t> field(const std::string& from, const std::string& to, uint64_t time) {
    auto label = SessionLabel::make(from, to, time, rng).value();
    return tdh2::encrypt(dealt.public_key, tdh2::random_session_key(rng), label.encode(), rng).value().encode();
  }
  request::DecryptRequest request(const warrant::SignedWarrant& sw, std::vector<std::vector<uint8_t>> fields) {
    request::DecryptRequest r;
    r.signed_warrant = sw.encode();
    randombytes_buf(r.nonce.data(), r.nonce.size());
    r.time = now;
    r.fields = std::move(fields);
    request::sign(r, agency_sk);
    return r;
  }
  Policy policy(bool crl_readable = true) const { return {{root.certificate_pem, crl, 1, 0}, crl_readable, 300}; }
  Decision decide(const request::DecryptRequest& r, MemoryState& state, const Policy& p) {
    return trustee::decide(r.encode(), p, {dealt.public_key, dealt.shares[0]}, state, now, rng);
  }
  Decision decide(const request::DecryptRequest& r, MemoryState& state) { return decide(r, state, policy()); }
};

World& world() {
  static World w;
  return w;
}

void expect_unauthenticated(const Decision& d, Refusal why) {
  ASSERT_TRUE(d.refusal.has_value());
  EXPECT_EQ(*d.refusal, why) << d.reason;
  EXPECT_FALSE(d.authenticated);
  EXPECT_TRUE(d.log.empty());  // counted by the caller, never logged one by one
  EXPECT_FALSE(d.change.record_nonce.has_value());
  EXPECT_TRUE(d.change.newly_opened.empty());
  EXPECT_FALSE(d.change.spend_rate_token);
}

TEST(Decide, AValidRequestIssuesEveryCoveredFieldAndLogsOneEntryEach) {
  auto& w = world();
  MemoryState state;
  const auto r = w.request(w.warrant(w.judge), {w.field("alice", "bob", 1500), w.field("bob", "carol", 1600)});
  const auto d = w.decide(r, state);
  ASSERT_FALSE(d.refusal.has_value()) << d.reason;
  EXPECT_TRUE(d.authenticated);
  ASSERT_EQ(d.results.size(), 2u);
  for (const auto& res : d.results) {
    EXPECT_EQ(res.status, request::FieldStatus::issued);
    EXPECT_TRUE(tdh2::PartialDecryption::decode(res.partial).has_value());
  }
  ASSERT_EQ(d.log.size(), 2u);
  EXPECT_EQ(d.log[0].request_hash, r.hash());
  EXPECT_EQ(d.log[1].field_hash, field_hash(r.fields[1]));
  EXPECT_EQ(d.change.newly_opened.size(), 2u);
  EXPECT_TRUE(d.change.record_nonce.has_value());
  EXPECT_TRUE(d.change.spend_rate_token);
  EXPECT_TRUE(d.change.prove_agency);
  EXPECT_EQ(d.agency_box_key, w.agency_box);
}

TEST(Decide, Step1BytesThatDoNotParseAreMalformedAndNamedByTheirHash) {
  auto& w = world();
  MemoryState state;
  const std::vector<uint8_t> junk = {1, 2, 3};
  const auto d = trustee::decide(junk, w.policy(), {w.dealt.public_key, w.dealt.shares[0]}, state, w.now, w.rng);
  expect_unauthenticated(d, Refusal::malformed);
  EXPECT_EQ(d.request_hash, raw_request_hash(junk));
}

TEST(Decide, Step2ABadAgencySignatureIsRefused) {
  auto& w = world();
  MemoryState state;
  auto r = w.request(w.warrant(w.judge), {w.field("alice", "bob", 1500)});
  r.signature[3] ^= 1;
  expect_unauthenticated(w.decide(r, state), Refusal::bad_signature);
}

TEST(Decide, Step3AStaleRequestIsRefused) {
  auto& w = world();
  MemoryState state;
  auto r = w.request(w.warrant(w.judge), {w.field("alice", "bob", 1500)});
  r.time = w.now - 301;
  request::sign(r, w.agency_sk);
  expect_unauthenticated(w.decide(r, state), Refusal::stale);
}

TEST(Decide, Step3AReplayedNonceIsRefused) {
  auto& w = world();
  MemoryState state;
  const auto r = w.request(w.warrant(w.judge), {w.field("alice", "bob", 1500)});
  const auto first = w.decide(r, state);
  ASSERT_FALSE(first.refusal.has_value()) << (first.log.empty() ? "" : first.log[0].reason);
  state.commit(first);
  expect_unauthenticated(w.decide(r, state), Refusal::replay);
}

TEST(Decide, Step4ASourceOverItsBudgetIsRefusedBeforeTheWarrantIsChecked) {
  auto& w = world();
  MemoryState state;
  state.over_budget = true;
  // The warrant would be refused too (another court), but step 4 comes first.
  expect_unauthenticated(w.decide(w.request(w.warrant(w.other_judge), {w.field("alice", "bob", 1500)}), state), Refusal::source_over_budget);
}

TEST(Decide, Step4AProvenAgencyIsNotBlockedByItsSourcesBudget) {
  auto& w = world();
  MemoryState state;
  state.over_budget = true;
  state.proven = true;
  EXPECT_FALSE(w.decide(w.request(w.warrant(w.judge), {w.field("alice", "bob", 1500)}), state).refusal.has_value());
}

TEST(Decide, Step5AWarrantFromAnotherCourtIsRefused) {
  auto& w = world();
  MemoryState state;
  expect_unauthenticated(w.decide(w.request(w.warrant(w.other_judge), {w.field("alice", "bob", 1500)}), state), Refusal::warrant_refused);
}

TEST(Decide, Step5AnUnreadableCrlRefusesEveryWarrantWithoutNamingAPath) {
  auto& w = world();
  MemoryState state;
  const auto d = w.decide(w.request(w.warrant(w.judge), {w.field("alice", "bob", 1500)}), state, w.policy(/*crl_readable=*/false));
  expect_unauthenticated(d, Refusal::warrant_refused);
  EXPECT_EQ(d.reason, "judicial CRL unreadable");
}

TEST(Decide, Step6TheRateLimitIsLoggedAndComesOnlyAfterTheWarrant) {
  auto& w = world();
  MemoryState state;
  state.rate = false;
  // A self-made warrant never reaches the rate limit: it cannot spend or probe an allowance.
  expect_unauthenticated(w.decide(w.request(w.warrant(w.other_judge), {w.field("alice", "bob", 1500)}), state), Refusal::warrant_refused);
  const auto d = w.decide(w.request(w.warrant(w.judge), {w.field("alice", "bob", 1500)}), state);
  ASSERT_TRUE(d.refusal.has_value());
  EXPECT_EQ(*d.refusal, Refusal::rate_limited);
  EXPECT_TRUE(d.authenticated);
  ASSERT_EQ(d.log.size(), 1u);  // authenticated: logged
  EXPECT_EQ(d.log[0].decision, static_cast<uint8_t>(Refusal::rate_limited));
  EXPECT_TRUE(d.change.newly_opened.empty());
  EXPECT_FALSE(d.change.record_nonce.has_value());
}

TEST(Decide, Step7EachFieldGetsItsOwnStatus) {
  auto& w = world();
  MemoryState state;
  auto tampered = w.field("alice", "bob", 1500);
  tampered[6] ^= 1;
  const auto r = w.request(w.warrant(w.judge), {std::vector<uint8_t>{0}, tampered, w.field("alice", "carol", 1500),
                                                w.field("alice", "bob", 3000), w.field("alice", "bob", 1500)});
  const auto d = w.decide(r, state);
  ASSERT_FALSE(d.refusal.has_value());
  const std::vector<request::FieldStatus> want = {request::FieldStatus::malformed, request::FieldStatus::invalid_field,
                                                  request::FieldStatus::out_of_scope, request::FieldStatus::out_of_scope,
                                                  request::FieldStatus::issued};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(d.results[i].status, want[i]) << i;
    EXPECT_EQ(d.results[i].partial.empty(), want[i] != request::FieldStatus::issued) << i;
    EXPECT_EQ(d.log[i].decision, static_cast<uint8_t>(want[i])) << i;
  }
  EXPECT_EQ(d.change.newly_opened.size(), 1u);
}

// Step 7's validity checks run the distinct fields in batches (SPEC §5.3; 140 fields: 4 chunks of
// 35): fields whose errors cancel in a plain sum, in one chunk and across a border, are each
// refused alone and their neighbours issued; a version-1 field among them is checked alone and issued.
TEST(Decide, Step7TheBatchedValidityCheckNamesEachBadFieldAlone) {
  auto& w = world();
  MemoryState state;
  std::vector<std::vector<uint8_t>> fields;
  for (uint64_t i = 0; i < 140; ++i) fields.push_back(w.field("alice", "bob", 1000 + i));
  const auto shift_f = [](std::vector<uint8_t>& bytes, int sign) {
    auto ct = tdh2::Ciphertext::decode(bytes).value();
    ct.f = sign > 0 ? ct.f + group::Scalar::from_u64(3) : ct.f - group::Scalar::from_u64(3);
    bytes = ct.encode();
  };
  shift_f(fields[5], +1), shift_f(fields[20], -1);   // one chunk (fields 0..34)
  shift_f(fields[34], +1), shift_f(fields[35], -1);  // across a border
  const auto label = SessionLabel::make("alice", "bob", 1100, w.rng).value().encode();
  fields[100] = tdh2::testing::encrypt_with(w.dealt.public_key, tdh2::random_session_key(w.rng), label,
                                            group::Scalar::random(w.rng), group::Scalar::random(w.rng))
                    .value()
                    .encode();
  ASSERT_EQ(fields[100][4], 1);  // version 1
  const std::set<std::size_t> bad = {5, 20, 34, 35};
  // Chunks for two threads (run in order here): four of 35.
  const trustee::ParallelFor two_threads{{}, 2};
  const auto d = trustee::decide(w.request(w.warrant(w.judge, /*max_sessions=*/1000), fields).encode(), w.policy(),
                                 {w.dealt.public_key, w.dealt.shares[0]}, state, w.now, w.rng, two_threads);
  ASSERT_FALSE(d.refusal.has_value()) << d.reason;
  ASSERT_EQ(d.results.size(), fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i)
    EXPECT_EQ(d.results[i].status, bad.contains(i) ? request::FieldStatus::invalid_field : request::FieldStatus::issued) << "field " << i;
}

// Step 7's chunks of at most 64 fields come in a multiple of the pool's threads (one chunk a task).
TEST(Decide, Step7SplitsTheFieldsIntoAMultipleOfThePoolsThreads) {
  auto& w = world();
  std::vector<std::vector<uint8_t>> fields;
  for (uint64_t i = 0; i < 140; ++i) fields.push_back(w.field("alice", "bob", 1200 + i));
  const auto chunks_of = [&](std::size_t count, std::size_t threads) {
    MemoryState state;
    std::vector<std::size_t> tasks;  // n of each parallel step: the chunks first, then the partials
    const trustee::ParallelFor recording{[&](std::size_t n, const std::function<void(std::size_t)>& body) {
                                           tasks.push_back(n);
                                           for (std::size_t i = 0; i < n; ++i) body(i);
                                         },
                                         threads};
    const std::vector<std::vector<uint8_t>> some(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(count));
    const auto d = trustee::decide(w.request(w.warrant(w.judge, /*max_sessions=*/1000), some).encode(), w.policy(),
                                   {w.dealt.public_key, w.dealt.shares[0]}, state, w.now, w.rng, recording);
    EXPECT_FALSE(d.refusal.has_value()) << d.reason;
    // Every field was reached by a chunk: issued, with its partial (an unchecked one is refused).
    for (const auto& r : d.results) {
      EXPECT_EQ(r.status, request::FieldStatus::issued);
      EXPECT_FALSE(r.partial.empty());
    }
    return tasks.empty() ? std::size_t{0} : tasks.front();
  };
  EXPECT_EQ(chunks_of(140, 1), 3u);
  EXPECT_EQ(chunks_of(140, 2), 4u);
  EXPECT_EQ(chunks_of(140, 3), 3u);
  EXPECT_EQ(chunks_of(10, 4), 4u);
  EXPECT_EQ(chunks_of(5, 4), 4u);  // ranges of 2, 1, 1, 1: not ceil(5/4) = 2 each, which is three tasks
  EXPECT_EQ(chunks_of(9, 8), 8u);
  EXPECT_EQ(chunks_of(17, 16), 16u);
  EXPECT_EQ(chunks_of(2, 4), 2u);  // never more chunks than fields
}

TEST(Decide, Step7TheBudgetCountsDistinctFieldsAndARepeatCostsNothing) {
  auto& w = world();
  MemoryState state;
  const auto sw = w.warrant(w.judge, /*max_sessions=*/2);
  const auto a = w.field("alice", "bob", 1500), b = w.field("alice", "bob", 1501), c = w.field("alice", "bob", 1502);
  const auto first = w.decide(w.request(sw, {a, a, b}), state);  // a twice: opened once
  ASSERT_FALSE(first.refusal.has_value());
  EXPECT_EQ(first.change.newly_opened.size(), 2u);
  state.commit(first);
  const auto second = w.decide(w.request(sw, {c, a}), state);
  EXPECT_EQ(second.results[0].status, request::FieldStatus::over_budget);
  EXPECT_EQ(second.results[1].status, request::FieldStatus::issued);  // opened before: free
  EXPECT_TRUE(second.change.newly_opened.empty());
}

TEST(Decide, ARequestFailingTwoChecksGetsTheEarlierReason) {
  auto& w = world();
  MemoryState state;
  auto r = w.request(w.warrant(w.other_judge), {w.field("alice", "bob", 1500)});
  r.time = w.now - 1000;
  // Stale and a bad warrant: stale (step 3) before the warrant (step 5).
  request::sign(r, w.agency_sk);
  expect_unauthenticated(w.decide(r, state), Refusal::stale);
  // And a bad signature as well: step 2 first.
  r.signature[0] ^= 1;
  expect_unauthenticated(w.decide(r, state), Refusal::bad_signature);
}

// Pentest F4: identical fields of one request are decided, budgeted and logged once; the reply
// still has one result per field.
TEST(Decide, Step7IdenticalFieldsAreDecidedOnceAndLoggedInOneEntryWithTheirCount) {
  auto& w = world();
  MemoryState state;
  const auto a = w.field("alice", "bob", 1500), b = w.field("alice", "bob", 1501), far = w.field("alice", "carol", 1500);
  const auto r = w.request(w.warrant(w.judge), {a, b, a, far, a, far});
  const auto d = w.decide(r, state);
  ASSERT_FALSE(d.refusal.has_value()) << d.reason;
  ASSERT_EQ(d.results.size(), 6u);
  EXPECT_EQ(d.results[0].partial, d.results[2].partial);  // decrypted once, repeated in the reply
  EXPECT_EQ(d.results[0].partial, d.results[4].partial);
  EXPECT_EQ(d.results[3].status, request::FieldStatus::out_of_scope);
  EXPECT_EQ(d.results[5].status, request::FieldStatus::out_of_scope);
  ASSERT_EQ(d.log.size(), 3u);
  EXPECT_EQ(d.log[0].field_hash, field_hash(a));
  EXPECT_EQ(d.log[0].reason, "issued (3 fields)");
  EXPECT_EQ(translog::fields_counted(d.log[0].reason), 3u);
  EXPECT_EQ(d.log[1].reason, "issued");
  EXPECT_EQ(d.log[2].reason, "session outside the warrant's targets or window (2 fields)");
  EXPECT_EQ(d.change.newly_opened.size(), 2u);
  ASSERT_EQ(state.rate_asked.size(), 1u);
  EXPECT_EQ(state.rate_asked[0], 3u);  // the rate counts the distinct fields
}

// Pentest F4: every malformed field of a request shares one entry, with the count and the first
// one's hash.
TEST(Decide, Step7MalformedFieldsShareOneLogEntryPerRequest) {
  auto& w = world();
  MemoryState state;
  std::vector<std::vector<uint8_t>> fields;
  for (int i = 0; i < 300; ++i) fields.push_back({static_cast<uint8_t>(i % 7)});  // 7 distinct one-byte "fields"
  fields.insert(fields.begin() + 5, w.field("alice", "bob", 1500));
  const auto r = w.request(w.warrant(w.judge), fields);
  const auto d = w.decide(r, state);
  ASSERT_FALSE(d.refusal.has_value()) << d.reason;
  ASSERT_EQ(d.results.size(), 301u);
  for (std::size_t i = 0; i < d.results.size(); ++i)
    EXPECT_EQ(d.results[i].status, i == 5 ? request::FieldStatus::issued : request::FieldStatus::malformed) << i;
  ASSERT_EQ(d.log.size(), 2u);
  EXPECT_EQ(d.log[0].decision, static_cast<uint8_t>(request::FieldStatus::malformed));
  EXPECT_EQ(d.log[0].reason, "malformed escrow field (300 fields)");
  EXPECT_EQ(d.log[0].field_hash, field_hash(fields[0]));
  EXPECT_EQ(d.log[1].decision, static_cast<uint8_t>(request::FieldStatus::issued));
  EXPECT_EQ(d.log[1].reason, "issued");
  // One malformed field alone keeps the plain reason.
  const auto one = w.decide(w.request(w.warrant(w.judge), {std::vector<uint8_t>{1}}), state);
  ASSERT_EQ(one.log.size(), 1u);
  EXPECT_EQ(one.log[0].reason, "malformed escrow field");
}

TEST(Decide, Step6ARateRefusalComesBeforeAnyFieldIsChecked) {
  auto& w = world();
  MemoryState state;
  state.rate = false;
  const auto a = w.field("alice", "bob", 1500);
  const auto d = w.decide(w.request(w.warrant(w.judge), {a, a, w.field("alice", "bob", 1501)}), state);
  ASSERT_TRUE(d.refusal.has_value());
  EXPECT_EQ(*d.refusal, Refusal::rate_limited);
  EXPECT_TRUE(d.results.empty());
  EXPECT_EQ(state.rate_asked, std::vector<uint64_t>{2});
  EXPECT_FALSE(d.change.spend_rate_token);
}

// The daemon's phases, interleaved by hand: two requests of one warrant (budget 2) read the budget
// before either commits; the second to settle finds it spent and issues nothing new.
TEST(Decide, TwoRequestsOfOneWarrantInFlightTogetherCannotOverspendItsBudget) {
  auto& w = world();
  MemoryState state;
  const auto sw = w.warrant(w.judge, /*max_sessions=*/2);
  const auto first = w.request(sw, {w.field("alice", "bob", 1500), w.field("alice", "bob", 1501)}).encode();
  const auto second = w.request(sw, {w.field("alice", "bob", 1502), w.field("alice", "bob", 1503)}).encode();
  const Key key{w.dealt.public_key, w.dealt.shares[0]};
  Deciding a(first, w.now), b(second, w.now);
  for (auto* job : {&a, &b}) {
    ASSERT_TRUE(job->screen(300));
    ASSERT_TRUE(job->admit(state));
    ASSERT_TRUE(job->verify_warrant(w.policy()));
    ASSERT_TRUE(job->reserve(state));  // both read: 0 of 2 opened
  }
  a.compute(key, w.rng);
  b.compute(key, w.rng);
  a.settle(state, key, w.rng);
  state.commit(a.decision());
  b.settle(state, key, w.rng);
  state.commit(b.decision());
  EXPECT_EQ(a.decision().change.newly_opened.size(), 2u);
  EXPECT_TRUE(b.decision().change.newly_opened.empty());
  for (const auto& res : b.decision().results) {
    EXPECT_EQ(res.status, request::FieldStatus::over_budget);
    EXPECT_TRUE(res.partial.empty());  // computed, never released
  }
  EXPECT_EQ(*state.opened_count(sw.hash()), 2u);
}

// The other way round: a field over the budget as one request read it is opened meanwhile by
// another request of the same warrant; at settle it is free, and gets a partial then.
TEST(Decide, AFieldOpenedMeanwhileByAnotherRequestIsIssuedFreeAtSettle) {
  auto& w = world();
  MemoryState state;
  const auto sw = w.warrant(w.judge, /*max_sessions=*/1);
  const auto f = w.field("alice", "bob", 1500), g = w.field("alice", "bob", 1501);
  const auto first = w.request(sw, {f}).encode();
  const auto second = w.request(sw, {g, f}).encode();
  const Key key{w.dealt.public_key, w.dealt.shares[0]};
  Deciding a(first, w.now), b(second, w.now);
  for (auto* job : {&a, &b}) {
    ASSERT_TRUE(job->screen(300) && job->admit(state) && job->verify_warrant(w.policy()) && job->reserve(state));
    job->compute(key, w.rng);  // b decrypts g only: f is over its reading of the budget
  }
  a.settle(state, key, w.rng);
  state.commit(a.decision());
  b.settle(state, key, w.rng);
  const auto& d = b.decision();
  EXPECT_EQ(d.results[0].status, request::FieldStatus::over_budget);
  ASSERT_EQ(d.results[1].status, request::FieldStatus::issued);
  const auto pd = tdh2::PartialDecryption::decode(d.results[1].partial).value();
  EXPECT_TRUE(tdh2::verify_partial(w.dealt.public_key, tdh2::Ciphertext::decode(f).value(), pd).has_value());
  EXPECT_TRUE(d.change.newly_opened.empty());
}

// Real threads, the daemon's locking: eight requests of one warrant (budget 5), three distinct
// fields each, decided at once. Exactly 5 fields open, however the threads interleave.
TEST(Decide, ConcurrentRequestsUnderTheDaemonsLockingOpenExactlyTheBudget) {
  auto& w = world();
  MemoryState state;
  const auto sw = w.warrant(w.judge, /*max_sessions=*/5);
  std::vector<std::vector<uint8_t>> requests;
  for (int i = 0; i < 8; ++i)
    requests.push_back(w.request(sw, {w.field("alice", "bob", 1100 + 3 * i), w.field("alice", "bob", 1101 + 3 * i),
                                      w.field("alice", "bob", 1102 + 3 * i)}).encode());
  const Key key{w.dealt.public_key, w.dealt.shares[0]};
  std::mutex mu;
  std::vector<Decision> decisions(requests.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < requests.size(); ++i)
    threads.emplace_back([&, i] {
      SystemRng rng;
      Deciding job(requests[i], w.now);
      if (!job.screen(300)) return;
      std::unique_lock lock(mu);
      if (!job.admit(state)) return;
      lock.unlock();
      if (!job.verify_warrant(w.policy())) return;
      lock.lock();
      if (!job.reserve(state)) return;
      lock.unlock();
      job.compute(key, rng);
      lock.lock();
      job.settle(state, key, rng);
      state.commit(job.decision());
      decisions[i] = job.take();
    });
  for (auto& t : threads) t.join();
  uint64_t issued = 0, newly = 0;
  for (const auto& d : decisions) {
    ASSERT_FALSE(d.refusal.has_value()) << d.reason;
    newly += d.change.newly_opened.size();
    for (const auto& r : d.results) issued += r.status == request::FieldStatus::issued;
  }
  EXPECT_EQ(newly, 5u);
  EXPECT_EQ(issued, 5u);
  EXPECT_EQ(*state.opened_count(sw.hash()), 5u);
}

TEST(Decide, CountedReasonsReadBackTheirCount) {
  EXPECT_EQ(field_reason(request::FieldStatus::issued, 1), "issued");
  EXPECT_EQ(field_reason(request::FieldStatus::malformed, 12), "malformed escrow field (12 fields)");
  EXPECT_EQ(translog::fields_counted("malformed escrow field (12 fields)"), 12u);
  EXPECT_EQ(translog::fields_counted("issued"), 1u);
  for (const char* odd : {"x (fields)", "x (-3 fields)", "x (3x fields)", "x (1 fields)", " fields)", "x (99999999999999999999999 fields)"})
    EXPECT_EQ(translog::fields_counted(odd), 1u) << odd;
}

TEST(Decide, ErrorCodesAreTheRepliesNames) {
  EXPECT_EQ(error_code(Refusal::malformed), "malformed_request");
  EXPECT_EQ(error_code(Refusal::bad_signature), "bad_agency_signature");
  EXPECT_EQ(error_code(Refusal::stale), "stale_request");
  EXPECT_EQ(error_code(Refusal::replay), "replayed_nonce");
  EXPECT_EQ(error_code(Refusal::warrant_refused), "warrant_refused");
  EXPECT_EQ(error_code(Refusal::rate_limited), "rate_limited");
  EXPECT_EQ(error_code(Refusal::source_over_budget), "source_over_budget");
}

}  // namespace
}  // namespace escrow::trustee
