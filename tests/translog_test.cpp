#include "escrow/translog.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <memory>

#include "escrow/audit.hpp"
#include "escrow/wire.hpp"

namespace escrow::translog {
namespace {

std::vector<Hash> leaves(std::size_t n) {
  std::vector<Hash> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::vector<uint8_t> entry = {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)};
    out.push_back(leaf_hash(entry));
  }
  return out;
}

TEST(Translog, HashesFollowRfc9162) {
  // Empty tree: SHA-256 of nothing. One leaf: SHA-256(0x00 || entry), here of the empty entry.
  EXPECT_EQ(wire::to_hex(root({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(wire::to_hex(leaf_hash({})), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  const auto l = leaves(3);
  EXPECT_EQ(root(l), node_hash(node_hash(l[0], l[1]), l[2]));
}

TEST(Translog, FrontierRootEqualsTheFullRootAtEverySize) {
  Frontier f;
  EXPECT_EQ(f.root(), root({}));
  const auto l = leaves(300);
  for (std::size_t n = 1; n <= l.size(); ++n) {
    f.append(l[n - 1]);
    ASSERT_EQ(f.root(), root(std::span(l).first(n))) << n;
  }
}

TEST(Translog, EveryInclusionProofVerifiesAndNoWrongOneDoes) {
  for (std::size_t n = 1; n <= 33; ++n) {
    const auto l = leaves(n);
    const Hash r = root(l);
    for (std::size_t i = 0; i < n; ++i) {
      const auto proof = inclusion_proof(l, i).value();
      ASSERT_TRUE(verify_inclusion(l[i], i, n, proof, r)) << i << " of " << n;
      if (n > 1) {
        ASSERT_FALSE(verify_inclusion(l[(i + 1) % n], i, n, proof, r)) << "wrong leaf " << i << " of " << n;
        ASSERT_FALSE(verify_inclusion(l[i], (i + 1) % n, n, proof, r)) << "wrong index " << i << " of " << n;
      }
      // (The size is authenticated by the signed tree head with the root, not by the path: RFC 9162
      // paths can verify under a larger claimed size with the same root, so that is not asserted.)
      ASSERT_FALSE(verify_inclusion(l[i], i, n, proof, root(leaves(n + 1)))) << "other root " << i << " of " << n;
    }
  }
  EXPECT_FALSE(inclusion_proof(leaves(3), 3).has_value());
}

TEST(Translog, EveryConsistencyProofVerifiesAndAForkDoesNot) {
  for (std::size_t n = 1; n <= 33; ++n) {
    const auto l = leaves(n);
    for (std::size_t m = 1; m <= n; ++m) {
      const std::span<const Hash> old(l.data(), m);
      const auto proof = consistency_proof(l, m).value();
      ASSERT_TRUE(verify_consistency(m, n, root(old), root(l), proof)) << m << " -> " << n;
      // A forked history: the old tree with one leaf changed is not a prefix.
      auto forked = std::vector<Hash>(old.begin(), old.end());
      forked[m / 2][0] ^= 1;
      ASSERT_FALSE(verify_consistency(m, n, root(forked), root(l), proof)) << "fork " << m << " -> " << n;
      if (m < n) {
        ASSERT_FALSE(verify_consistency(m, n, root(old), root(old), proof)) << "wrong new root";
      }
    }
  }
  EXPECT_FALSE(consistency_proof(leaves(3), 0).has_value());
  EXPECT_FALSE(consistency_proof(leaves(3), 4).has_value());
}


// The stored-subtree tree answers exactly what the pure functions compute from all leaves, for
// every size, index and old size up to 70, checked against a tree grown to 70 leaves.
TEST(TranslogTree, EqualsThePureFunctionsAtEverySizeUpTo70) {
  const auto l = leaves(70);
  Tree t;
  EXPECT_EQ(t.root(), root({}));
  EXPECT_EQ(t.root(0).value(), root({}));
  for (const auto& leaf : l) t.append(leaf);
  ASSERT_EQ(t.size(), 70u);
  for (uint64_t n = 0; n <= l.size(); ++n) {
    const auto d = std::span<const Hash>(l).first(n);
    ASSERT_EQ(t.root(n).value(), root(d)) << n;
    for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(t.inclusion_proof(i, n).value(), inclusion_proof(d, i).value()) << i << " of " << n;
    for (uint64_t m = 1; m <= n; ++m) ASSERT_EQ(t.consistency_proof(m, n).value(), consistency_proof(d, m).value()) << m << " -> " << n;
  }
  EXPECT_EQ(t.root(), root(l));
}

TEST(TranslogTree, EqualsThePureFunctionsAtRandomSizesToAFewThousand) {
  const auto l = leaves(5000);
  Tree t;
  for (const auto& leaf : l) t.append(leaf);
  uint64_t x = 0x9e3779b97f4a7c15ull;  // a fixed xorshift stream: reproducible sizes
  auto next = [&](uint64_t bound) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % bound;
  };
  for (int round = 0; round < 200; ++round) {
    const uint64_t n = 1 + next(l.size());
    const auto d = std::span<const Hash>(l).first(n);
    const uint64_t i = next(n), m = 1 + next(n);
    ASSERT_EQ(t.root(n).value(), root(d)) << n;
    ASSERT_EQ(t.inclusion_proof(i, n).value(), inclusion_proof(d, i).value()) << i << " of " << n;
    ASSERT_EQ(t.consistency_proof(m, n).value(), consistency_proof(d, m).value()) << m << " -> " << n;
  }
}

TEST(TranslogTree, ResizeForgetsTheDroppedLeavesAndTheirSubtrees) {
  const auto l = leaves(300);
  Tree t, expected;
  for (uint64_t n = 0; n < 300; ++n) {
    t.append(l[n]);
    expected.append(l[n]);
  }
  for (uint64_t n : {299u, 256u, 255u, 129u, 1u, 0u}) {
    t.resize(n);
    ASSERT_EQ(t.size(), n);
    ASSERT_EQ(t.root(), root(std::span<const Hash>(l).first(n))) << n;
  }
  // Grown again after a rollback, with other leaves: nothing of the dropped ones survives.
  const auto other = leaves(600);
  for (uint64_t n = 0; n < 100; ++n) t.append(other[599 - n]);
  std::vector<Hash> now;
  for (uint64_t n = 0; n < 100; ++n) now.push_back(other[599 - n]);
  EXPECT_EQ(t.root(), root(now));
  for (uint64_t i = 0; i < 100; i += 7) EXPECT_EQ(t.inclusion_proof(i, 100).value(), inclusion_proof(now, i).value());
}

TEST(TranslogTree, RefusesSizesBeyondTheTree) {
  Tree t;
  for (const auto& leaf : leaves(5)) t.append(leaf);
  EXPECT_FALSE(t.root(6).has_value());
  EXPECT_FALSE(t.inclusion_proof(5, 5).has_value());
  EXPECT_FALSE(t.inclusion_proof(0, 6).has_value());
  EXPECT_FALSE(t.consistency_proof(0, 5).has_value());
  EXPECT_FALSE(t.consistency_proof(4, 3).has_value());
  EXPECT_FALSE(t.consistency_proof(3, 6).has_value());
  EXPECT_TRUE(t.consistency_proof(5, 5).value().empty());
}

TEST(TranslogTreeDeathTest, ResizeNeverGrows) {
  Tree t;
  t.append(leaf_hash({}));
  EXPECT_DEATH(t.resize(2), "");
}

}  // namespace
}  // namespace escrow::translog

// The auditor's checks (escrow/audit.hpp), the code `escrow-authority audit` and the attacks run.
namespace {
using escrow::translog::Entry;
using escrow::translog::Hash;

struct Log {
  std::array<uint8_t, 32> pk{};
  std::shared_ptr<escrow::Secret<64>> sk = std::make_shared<escrow::Secret<64>>();  // copies share the key
  std::vector<std::vector<uint8_t>> entries;
  Log() { crypto_sign_keypair(pk.data(), sk->expose().data()); }
  void add(uint8_t warrant, uint8_t field, uint8_t decision, std::string reason = "") {
    Entry e;
    e.warrant_hash.fill(warrant);
    e.field_hash.fill(field);
    e.decision = decision;
    e.reason = !reason.empty() ? reason : decision ? "refused" : "issued";
    entries.push_back(e.encode());
  }
  std::vector<Hash> leaves(std::size_t n) const {
    std::vector<Hash> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(escrow::translog::leaf_hash(entries[i]));
    return out;
  }
  escrow::audit::Published published(std::optional<uint64_t> from = std::nullopt) const {
    const auto l = leaves(entries.size());
    escrow::translog::TreeHead h{l.size(), escrow::translog::root(l), 7, {}};
    escrow::translog::sign(h, *sk);
    escrow::audit::Published p{h, entries, {}};
    if (from && *from > 0 && *from < l.size()) p.consistency = escrow::translog::consistency_proof(l, *from).value();
    return p;
  }
};

Hash filled(uint8_t b) {
  Hash h;
  h.fill(b);
  return h;
}

}  // namespace

TEST(Audit, CountsPerWarrantAndFlagsIssuedDecisionsUnderUnregisteredWarrants) {
  Log log;
  log.add(1, 10, 0);
  log.add(1, 10, 0);  // the same field again: one session
  log.add(1, 11, 3);
  log.add(2, 12, 0);
  log.add(3, 13, 3);  // only refused: not a warrant that opened anything
  const auto f = escrow::audit::check(log.published(), log.pk, std::nullopt, std::set<Hash>{filled(1)});
  EXPECT_TRUE(f.ok()) << f.error;
  EXPECT_EQ(f.per_warrant.at(filled(1)).opened.size(), 1u);
  EXPECT_EQ(f.per_warrant.at(filled(1)).refused, 1u);
  ASSERT_EQ(f.unregistered.size(), 1u);
  EXPECT_EQ(f.unregistered[0], filled(2));
  EXPECT_TRUE(f.flagged());
  const auto no_register = escrow::audit::check(log.published(), log.pk, std::nullopt);
  EXPECT_FALSE(no_register.flagged());
  EXPECT_FALSE(escrow::audit::check(log.published(), log.pk, std::nullopt, std::set<Hash>{filled(1), filled(2)}).flagged());
}

// Pentest F4's fix logs identical fields once and a request's malformed fields in one entry, the
// count in the reason: the auditor's opened sessions stay distinct fields, its refusals fields.
TEST(Audit, EntriesStandingForSeveralFieldsCountTheirFields) {
  Log log;
  log.add(1, 10, 0, "issued (3 fields)");  // one field three times: one session
  log.add(1, 10, 0);                       // asked again later: still one
  log.add(1, 11, 1, "malformed escrow field (10000 fields)");
  log.add(1, 12, 3, "session outside the warrant's targets or window (2 fields)");
  log.add(1, 0, 0x85, "rate limited (7 fields)");  // a request-level refusal counts one, whatever its words
  const auto f = escrow::audit::check(log.published(), log.pk, std::nullopt);
  EXPECT_TRUE(f.ok()) << f.error;
  EXPECT_EQ(f.per_warrant.at(filled(1)).opened.size(), 1u);
  EXPECT_EQ(f.per_warrant.at(filled(1)).refused, 10003u);
}

TEST(Audit, RefusesABadSignatureARewriteAShrinkAndEntriesOffTheRoot) {
  Log log;
  for (uint8_t i = 0; i < 5; ++i) log.add(1, i, 0);
  const auto before = log.published();
  const escrow::audit::Baseline base{before.head.size, before.head.root};
  log.add(1, 9, 0);
  EXPECT_TRUE(escrow::audit::check(log.published(5), log.pk, base).ok()) << "grew: consistent";
  EXPECT_FALSE(escrow::audit::check(log.published(), Log().pk, base).head_signed) << "another key";
  auto rewritten = log;
  rewritten.entries.clear();
  for (uint8_t i = 0; i < 6; ++i) rewritten.add(1, static_cast<uint8_t>(i + 1), 0);
  const auto r = escrow::audit::check(rewritten.published(5), rewritten.pk, base);
  EXPECT_TRUE(r.head_signed);
  EXPECT_FALSE(r.consistent) << "its past changed";
  auto shrunk = log;
  shrunk.entries.resize(4);
  EXPECT_FALSE(escrow::audit::check(shrunk.published(), shrunk.pk, base).consistent);
  auto withheld = log.published();
  withheld.entries.pop_back();
  EXPECT_FALSE(escrow::audit::check(withheld, log.pk, std::nullopt).entries_match_head);
  auto swapped = log.published();
  swapped.entries[0] = swapped.entries[1];
  EXPECT_FALSE(escrow::audit::check(swapped, log.pk, std::nullopt).entries_match_head);
}

TEST(Audit, TwoSignedHeadsOfOneSizeAreEquivocation) {
  Log log;
  for (uint8_t i = 0; i < 3; ++i) log.add(1, i, 0);
  auto other = log;
  other.entries[2] = log.entries[0];
  const auto a = log.published().head, b = other.published().head;
  EXPECT_TRUE(escrow::audit::equivocation(a, b, log.pk));
  EXPECT_FALSE(escrow::audit::equivocation(a, a, log.pk)) << "one root";
  EXPECT_FALSE(escrow::audit::equivocation(a, b, Log().pk)) << "not signed by this trustee";
  auto c = b;
  c.root[0] ^= 1;  // not signed
  EXPECT_FALSE(escrow::audit::equivocation(a, c, log.pk));
}
