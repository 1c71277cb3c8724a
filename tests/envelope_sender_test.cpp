// SPEC §3.6 v2, §3.8 v2, §7.4: the sender-bound label, the signed envelope, and verify_sender —
// one test per check, each failing only that check.
#include <gtest/gtest.h>
#include <sodium.h>

#include "escrow/envelope.hpp"
#include "escrow/wire.hpp"
#include "test_support.hpp"

namespace escrow::envelope {
namespace {
using test::failed_with;

struct Signer {
  IdentityKey pub{};
  signature::SigningKey secret;
  Signer() { crypto_sign_keypair(pub.data(), secret.expose().data()); }
};

struct SignedConversation {
  DeterministicRng rng{"envelope/sender"};
  tdh2::Dealt authority = tdh2::deal(2, 3, rng).value();
  X25519PublicKey bob_pk{};
  X25519SecretKey bob_sk;
  Signer alice, mallory;
  static constexpr uint64_t kTime = 1'790'000'000;
  std::string message = "signed by alice";

  SignedConversation() { crypto_box_keypair(bob_pk.data(), bob_sk.expose().data()); }
  std::span<const uint8_t> plaintext() const { return {reinterpret_cast<const uint8_t*>(message.data()), message.size()}; }
  Envelope seal_as(const std::string& name, const Signer& s, uint64_t time = kTime) {
    const auto label = SessionLabel::make_bound(name, s.pub, "bob", time, rng).value();
    return seal_signed(authority.public_key, label, bob_pk, plaintext(), s.secret, rng).value();
  }
};

TEST(SenderBoundLabel, RoundTripsWithItsKeyAndVersion2) {
  SignedConversation c;
  const auto label = SessionLabel::make_bound("alice", c.alice.pub, "bob", 5, c.rng).value();
  const auto enc = label.encode();
  EXPECT_EQ(enc[4], wire::kVersionSenderBound);
  EXPECT_EQ(enc.size(), 6 + 1 + 5 + 32 + 1 + 3 + 8 + 16);
  const auto back = SessionLabel::decode(enc).value();
  ASSERT_TRUE(back.sender_key.has_value());
  EXPECT_EQ(*back.sender_key, c.alice.pub);
  EXPECT_EQ(back.sender, "alice");
  // A version-1 label still decodes, without a key.
  EXPECT_FALSE(SessionLabel::decode(SessionLabel::make("alice", "bob", 5, c.rng).value().encode()).value().sender_key.has_value());
}

TEST(SenderBoundLabel, RefusesAKeyThatIsNotAValidPoint) {
  SignedConversation c;
  IdentityKey zero{};  // the identity point: small order
  EXPECT_TRUE(failed_with(SessionLabel::make_bound("alice", zero, "bob", 5, c.rng), ErrorCategory::malformed));
  auto enc = SessionLabel::make_bound("alice", c.alice.pub, "bob", 5, c.rng).value().encode();
  std::fill(enc.begin() + 6 + 1 + 5, enc.begin() + 6 + 1 + 5 + 32, 0);
  EXPECT_TRUE(failed_with(SessionLabel::decode(enc), ErrorCategory::malformed));
  // An unknown version is refused, not read as either layout.
  enc[4] = 3;
  EXPECT_TRUE(failed_with(SessionLabel::decode(enc), ErrorCategory::malformed));
}

TEST(SignedEnvelope, RoundTripsOpensAndPassesTheSenderCheck) {
  SignedConversation c;
  const auto env = c.seal_as("alice", c.alice);
  const auto enc = env.encode();
  EXPECT_EQ(enc[4], wire::kVersionSenderBound);
  const auto back = Envelope::decode(enc).value();
  EXPECT_EQ(back.encode(), enc);
  EXPECT_TRUE(back.is_signed());
  EXPECT_TRUE(open(c.authority.public_key, back, c.bob_pk, c.bob_sk).has_value());
  auto ok = verify_sender(back, c.alice.pub, SignedConversation::kTime);
  EXPECT_TRUE(ok.has_value()) << ok.error().message();
}

TEST(SignedEnvelope, SealRefusesALabelNamingAnotherKeyThanTheSigner) {
  SignedConversation c;
  const auto label = SessionLabel::make_bound("alice", c.alice.pub, "bob", 5, c.rng).value();
  EXPECT_TRUE(failed_with(seal_signed(c.authority.public_key, label, c.bob_pk, c.plaintext(), c.mallory.secret, c.rng), ErrorCategory::malformed));
  const auto unbound = SessionLabel::make("alice", "bob", 5, c.rng).value();
  EXPECT_TRUE(failed_with(seal_signed(c.authority.public_key, unbound, c.bob_pk, c.plaintext(), c.alice.secret, c.rng), ErrorCategory::malformed));
  // And an unsigned envelope refuses a sender-bound label (it could never be checked).
  EXPECT_TRUE(failed_with(seal(c.authority.public_key, label, c.bob_pk, c.plaintext(), c.rng), ErrorCategory::malformed));
}

TEST(SenderCheck, RefusesAnUnsignedEnvelope) {
  SignedConversation c;
  const auto v1 = seal(c.authority.public_key, SessionLabel::make("alice", "bob", SignedConversation::kTime, c.rng).value(), c.bob_pk,
                       c.plaintext(), c.rng).value();
  EXPECT_TRUE(failed_with(verify_sender(v1, c.alice.pub, SignedConversation::kTime), ErrorCategory::policy_denied));
}

TEST(SenderCheck, RefusesABadSignature) {
  SignedConversation c;
  auto env = c.seal_as("alice", c.alice);
  (*env.sender_signature)[10] ^= 1;
  EXPECT_TRUE(failed_with(verify_sender(env, c.alice.pub, SignedConversation::kTime), ErrorCategory::invalid_proof));
}

TEST(SenderCheck, RefusesAnEditedEnvelope) {
  SignedConversation c;
  const auto env = c.seal_as("alice", c.alice);
  // Every byte before the signature is signed: the body, the nonce, the box, the escrow field.
  for (std::size_t at : {std::size_t{20}, env.encode().size() - 64 - 1, env.encode().size() - 64 - 20}) {
    auto bytes = env.encode();
    bytes[at] ^= 1;
    auto edited = Envelope::decode(bytes);
    if (!edited) continue;  // an edit the parser already refuses
    EXPECT_TRUE(failed_with(verify_sender(*edited, c.alice.pub, SignedConversation::kTime), ErrorCategory::invalid_proof)) << at;
  }
  // A re-labelled copy: the escrow field of another of alice's sessions, the old signature kept.
  auto relabelled = env;
  relabelled.escrow = c.seal_as("alice", c.alice, SignedConversation::kTime - 86400).escrow;
  EXPECT_TRUE(failed_with(verify_sender(relabelled, c.alice.pub, SignedConversation::kTime), ErrorCategory::invalid_proof));
}

TEST(SenderCheck, RefusesASignerWhoseKeyIsNotTheNamesKnownKey) {
  SignedConversation c;
  // Mallory makes an identity in alice's name: his own key, a valid signature, the wrong key.
  const auto env = c.seal_as("alice", c.mallory);
  EXPECT_TRUE(failed_with(verify_sender(env, c.alice.pub, SignedConversation::kTime), ErrorCategory::policy_denied));
}

TEST(SenderCheck, RefusesALabelTimeTooFarFromArrivalEitherWay) {
  SignedConversation c;
  const auto env = c.seal_as("alice", c.alice);
  const uint64_t t = SignedConversation::kTime, skew = kMaxLabelSkewSeconds;
  EXPECT_TRUE(verify_sender(env, c.alice.pub, t + skew).has_value());
  EXPECT_TRUE(verify_sender(env, c.alice.pub, t - skew).has_value());
  EXPECT_TRUE(failed_with(verify_sender(env, c.alice.pub, t + skew + 1), ErrorCategory::policy_denied));  // backdated label
  EXPECT_TRUE(failed_with(verify_sender(env, c.alice.pub, t - skew - 1), ErrorCategory::policy_denied));  // label from the future
}

TEST(SignedEnvelope, AStrippedSignatureNeitherParsesNorOpensAsVersion1) {
  SignedConversation c;
  auto env = c.seal_as("alice", c.alice);
  auto stripped = env;
  stripped.sender_signature.reset();
  // As bytes: a version-1 envelope with a version-2 label is refused by the parser.
  EXPECT_TRUE(failed_with(Envelope::decode(stripped.encode()), ErrorCategory::malformed));
  // As a value: the body was sealed under the version-2 header, so it does not open as version 1.
  EXPECT_TRUE(failed_with(open(c.authority.public_key, stripped, c.bob_pk, c.bob_sk), ErrorCategory::decryption_failed));
}

}  // namespace
}  // namespace escrow::envelope
