// The provider's deposit check (SPEC §7.4) on a real SQLite mailbox: what it refuses stores nothing.
#include "mailbox.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <stdlib.h>

#include <ctime>
#include <filesystem>

#include "escrow/rng.hpp"
#include "identity.hpp"

namespace doormat::mailbox {
namespace {
namespace fs = std::filesystem;
using escrow::ErrorCategory;

struct Folder {
  std::string path;
  Folder() {
    std::string t = (fs::temp_directory_path() / "doormat-mailbox-test-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~Folder() { fs::remove_all(path); }
};

struct Provider {
  Folder dir;
  Mailbox box = Mailbox::open(dir.path + "/provider.db").value();
  escrow::SystemRng rng;
  escrow::tdh2::Dealt authority = escrow::tdh2::deal(2, 3, rng).value();
  identity::Identity alice = identity::generate("alice").value(), bob = identity::generate("bob").value();

  void enroll(const identity::Identity& id) {
    const Account a{id.pub.name, id.pub.sign_key};
    ASSERT_TRUE(box.register_account(a, sign_registration(a, id.sign_secret)).has_value());
  }
  escrow::envelope::Envelope from(const identity::Identity& id, const std::string& name, uint64_t time) {
    const auto label = escrow::SessionLabel::make_bound(name, id.pub.sign_key, "bob", time, rng).value();
    const std::string text = "hi";
    return escrow::envelope::seal_signed(authority.public_key, label, bob.pub.box_key,
                                         std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), id.sign_secret, rng)
        .value();
  }
  std::size_t stored() { return box.all().value().size(); }
  uint64_t now() { return box.now().value(); }
};

bool refused(const escrow::Result<int64_t>& r, ErrorCategory c) { return !r.has_value() && r.error().category == c; }

TEST(MailboxDeposit, StoresAnHonestEnvelopeWithItsArrivalTime) {
  Provider p;
  p.enroll(p.alice);
  const uint64_t t = p.now();
  auto id = p.box.deposit(p.from(p.alice, "alice", t));
  ASSERT_TRUE(id.has_value()) << id.error().message();
  const auto all = p.box.all().value();
  ASSERT_EQ(all.size(), 1u);
  ASSERT_TRUE(all[0].arrived.has_value());
  EXPECT_LE(*all[0].arrived - t, 5u);
}

TEST(MailboxDeposit, RefusesASenderWithoutAnAccount) {
  Provider p;
  EXPECT_TRUE(refused(p.box.deposit(p.from(p.alice, "alice", p.now())), ErrorCategory::policy_denied));
  EXPECT_EQ(p.stored(), 0u);
}

TEST(MailboxDeposit, RefusesAnotherPersonsName) {
  Provider p;
  p.enroll(p.alice);
  p.enroll(p.bob);
  // Bob signs, with his own key, a label in alice's name.
  EXPECT_TRUE(refused(p.box.deposit(p.from(p.bob, "alice", p.now())), ErrorCategory::policy_denied));
  EXPECT_EQ(p.stored(), 0u);
}

TEST(MailboxDeposit, RefusesABadSignature) {
  Provider p;
  p.enroll(p.alice);
  auto env = p.from(p.alice, "alice", p.now());
  (*env.sender_signature)[0] ^= 1;
  EXPECT_TRUE(refused(p.box.deposit(env), ErrorCategory::invalid_proof));
  EXPECT_EQ(p.stored(), 0u);
}

TEST(MailboxDeposit, RefusesALabelTimeOutsideTheSkewEitherWay) {
  Provider p;
  p.enroll(p.alice);
  const uint64_t skew = escrow::envelope::kMaxLabelSkewSeconds;
  EXPECT_TRUE(refused(p.box.deposit(p.from(p.alice, "alice", p.now() - skew - 60)), ErrorCategory::policy_denied));
  EXPECT_TRUE(refused(p.box.deposit(p.from(p.alice, "alice", p.now() + skew + 60)), ErrorCategory::policy_denied));
  EXPECT_TRUE(refused(p.box.deposit(p.from(p.alice, "alice", 1'000'000'000)), ErrorCategory::policy_denied));
  EXPECT_EQ(p.stored(), 0u);
}

TEST(MailboxDeposit, FollowsTheProvidersClockNotTheSenders) {
  Provider p;
  p.enroll(p.alice);
  const uint64_t day_ago = p.now() - 86400;
  EXPECT_FALSE(p.box.deposit(p.from(p.alice, "alice", day_ago)).has_value());
  ASSERT_TRUE(p.box.set_clock_offset(-86400).has_value());
  EXPECT_TRUE(p.box.deposit(p.from(p.alice, "alice", day_ago)).has_value());
}

TEST(MailboxDeposit, RefusesAnUnsignedEnvelope) {
  Provider p;
  p.enroll(p.alice);
  const auto label = escrow::SessionLabel::make("alice", "bob", p.now(), p.rng).value();
  const std::string text = "hi";
  const auto v1 = escrow::envelope::seal(p.authority.public_key, label, p.bob.pub.box_key,
                                         std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), p.rng).value();
  EXPECT_TRUE(refused(p.box.deposit(v1), ErrorCategory::policy_denied));
  EXPECT_EQ(p.stored(), 0u);
}

TEST(MailboxDeposit, RefusesAReplayedEnvelope) {
  Provider p;
  p.enroll(p.alice);
  const auto env = p.from(p.alice, "alice", p.now());
  ASSERT_TRUE(p.box.deposit(env).has_value());
  EXPECT_FALSE(p.box.deposit(env).has_value());  // the session id is stored once
  EXPECT_EQ(p.stored(), 1u);
}

TEST(MailboxAccounts, RefuseATakenNameATakenKeyAndAProofByAnotherKey) {
  Provider p;
  p.enroll(p.alice);
  auto mallory = identity::generate("alice").value();
  const Account same_name{"alice", mallory.pub.sign_key};
  auto r = p.box.register_account(same_name, sign_registration(same_name, mallory.sign_secret));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::policy_denied);
  const Account same_key{"alias", p.alice.pub.sign_key};
  r = p.box.register_account(same_key, sign_registration(same_key, p.alice.sign_secret));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::policy_denied);
  // Bob's key registered by someone who cannot sign with it.
  const Account stolen{"bob", p.bob.pub.sign_key};
  r = p.box.register_account(stolen, sign_registration(stolen, mallory.sign_secret));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::invalid_proof);
  EXPECT_FALSE(p.box.account("bob").value().has_value());
}

// Fourth outside test, F3: each look-alike of "bob" is refused at registration, with the rule in
// the message, and opens no account; bob's own registration still succeeds afterwards.
TEST(MailboxAccounts, RefuseEachLookAlikeOfANameWithTheRule) {
  Provider p;
  for (const std::string name : {"Bob", "bob ", "b\xd0\xbe" "b", "b\xce\xbf" "b", "bob\xe2\x80\x8b"}) {
    auto mallory = identity::generate(name).value();
    const Account a{name, mallory.pub.sign_key};
    auto r = p.box.register_account(a, sign_registration(a, mallory.sign_secret));
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_EQ(r.error().category, ErrorCategory::malformed);
    EXPECT_NE(r.error().detail.find("lowercase ASCII"), std::string::npos) << r.error().detail;
    EXPECT_FALSE(p.box.account(name).value().has_value()) << name;
  }
  p.enroll(p.bob);
  EXPECT_TRUE(p.box.account("bob").value().has_value());
}

}  // namespace
}  // namespace doormat::mailbox
