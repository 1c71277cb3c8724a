#include "escrow/envelope.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace escrow::envelope {
namespace {
using test::failed_with;

struct Conversation {
  DeterministicRng rng{"envelope"};
  tdh2::Dealt authority = tdh2::deal(3, 5, rng).value();
  X25519PublicKey bob_pk{};
  X25519SecretKey bob_sk;
  SessionLabel label;
  std::string message = "meet at the usual place, 9pm";

  Conversation() {
    crypto_box_keypair(bob_pk.data(), bob_sk.expose().data());
    label = SessionLabel::make("alice", "bob", 1'790'000'000, rng).value();
  }
  const tdh2::PublicKey& pk() const { return authority.public_key; }
  std::span<const uint8_t> plaintext() const { return {reinterpret_cast<const uint8_t*>(message.data()), message.size()}; }
  Envelope seal_one() { return seal(pk(), label, bob_pk, plaintext(), rng).value(); }
  std::string text(const SecureBytes& b) const { return {b.begin(), b.end()}; }

  // What a quorum of trustees hands the investigator: K via combine.
  Result<tdh2::Combined> escrow_recover(const Envelope& env) {
    std::vector<tdh2::PartialDecryption> partials;
    for (std::size_t i = 0; i < 3; ++i) {
      auto pd = tdh2::partial_decrypt(pk(), authority.shares[i], env.escrow, rng);
      if (!pd) return escrow::unexpected(pd.error());
      partials.push_back(*pd);
    }
    return tdh2::combine(pk(), env.escrow, partials);
  }
};

TEST(Envelope, RecipientOpensWhatWasSealed) {
  Conversation c;
  const auto env = c.seal_one();
  auto plain = open(c.pk(), env, c.bob_pk, c.bob_sk);
  ASSERT_TRUE(plain.has_value()) << plain.error().message();
  EXPECT_EQ(c.text(*plain), c.message);
}

TEST(Envelope, EncodingRoundTrips) {
  Conversation c;
  const auto env = c.seal_one();
  const auto enc = env.encode();
  auto back = Envelope::decode(enc);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->encode(), enc);
  EXPECT_EQ(back->label().value().sender, "alice");
  auto longer = enc;
  longer.push_back(0);
  EXPECT_TRUE(failed_with(Envelope::decode(longer), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(Envelope::decode(std::span(enc).first(enc.size() - 1)), ErrorCategory::malformed));
}

TEST(Envelope, QuorumRecoversTheSessionKeyAndOpensTheBody) {
  Conversation c;
  const auto env = c.seal_one();
  auto recovered = c.escrow_recover(env);
  ASSERT_TRUE(recovered.has_value());
  auto plain = open_with_session_key(env, recovered->key);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(c.text(*plain), c.message);
}

TEST(Envelope, RecipientRefusesAnEscrowFieldHidingAnotherKey) {
  // A rogue sender escrows a decoy key K' but gives Bob the real K: without the re-encryption
  // check Bob would read the message and the authority would recover only K'.
  Conversation c;
  const auto real = tdh2::random_session_key(c.rng);
  const auto decoy = tdh2::random_session_key(c.rng);
  const auto field = tdh2::encrypt_recipient_verifiable(c.pk(), decoy, c.label.encode(), c.rng).value();
  const auto env = seal_with_key(field, real, c.bob_pk, c.plaintext(), c.rng).value();

  EXPECT_TRUE(open_with_session_key(env, real).has_value());  // the body itself is fine
  EXPECT_TRUE(failed_with(open(c.pk(), env, c.bob_pk, c.bob_sk), ErrorCategory::decryption_failed));
  auto recovered = c.escrow_recover(env);
  ASSERT_TRUE(recovered.has_value());
  EXPECT_TRUE(recovered->key.equals(decoy));
  EXPECT_FALSE(open_with_session_key(env, recovered->key).has_value());
}

TEST(Envelope, SwappedEscrowFieldBreaksTheBody) {
  Conversation c;
  auto env = c.seal_one();
  const auto other = c.seal_one();
  auto recovered = c.escrow_recover(env);
  ASSERT_TRUE(recovered.has_value());
  env.escrow = other.escrow;  // valid field from another session
  EXPECT_TRUE(failed_with(open_with_session_key(env, recovered->key), ErrorCategory::decryption_failed));
  EXPECT_TRUE(failed_with(open(c.pk(), env, c.bob_pk, c.bob_sk), ErrorCategory::decryption_failed));
}

TEST(Envelope, TamperedBodyOrNonceFails) {
  Conversation c;
  auto env = c.seal_one();
  env.body[3] ^= 1;
  EXPECT_TRUE(failed_with(open(c.pk(), env, c.bob_pk, c.bob_sk), ErrorCategory::decryption_failed));
  env = c.seal_one();
  env.nonce[0] ^= 1;
  EXPECT_TRUE(failed_with(open(c.pk(), env, c.bob_pk, c.bob_sk), ErrorCategory::decryption_failed));
}

TEST(Envelope, WrongRecipientCannotOpen) {
  Conversation c;
  const auto env = c.seal_one();
  X25519PublicKey eve_pk{};
  X25519SecretKey eve_sk;
  crypto_box_keypair(eve_pk.data(), eve_sk.expose().data());
  EXPECT_TRUE(failed_with(open(c.pk(), env, eve_pk, eve_sk), ErrorCategory::decryption_failed));
}

// A recipient key from a hostile directory: sealing to a low-order point (u = 1 here, not only 0)
// is refused with an error; it used to abort the sender when crypto_box refused the key.
TEST(Envelope, SealToALowOrderRecipientKeyIsAnErrorNotACrash) {
  Conversation c;
  X25519PublicKey one{};
  one[0] = 1;
  DeterministicRng rng("low order recipient");
  const auto label = SessionLabel::make("alice", "bob", 1000, rng).value();
  EXPECT_TRUE(failed_with(seal(c.pk(), label, one, std::vector<uint8_t>{1, 2, 3}, rng), ErrorCategory::malformed));
}

TEST(Envelope, EveryFailedOpenReturnsTheSameError) {
  Conversation c;
  std::vector<std::string> messages;
  auto env = c.seal_one();
  env.body[0] ^= 1;
  messages.push_back(open(c.pk(), env, c.bob_pk, c.bob_sk).error().message());
  env = c.seal_one();
  env.recipient_box[40] ^= 1;
  messages.push_back(open(c.pk(), env, c.bob_pk, c.bob_sk).error().message());
  const auto decoy = tdh2::random_session_key(c.rng);
  env.escrow = tdh2::encrypt_recipient_verifiable(c.pk(), decoy, c.label.encode(), c.rng).value();
  env.recipient_box = c.seal_one().recipient_box;
  messages.push_back(open(c.pk(), env, c.bob_pk, c.bob_sk).error().message());
  EXPECT_EQ(messages[0], messages[1]);
  EXPECT_EQ(messages[1], messages[2]);
}

TEST(Envelope, DecodeRefusesAnUnparseableLabel) {
  Conversation c;
  auto env = c.seal_one();
  const std::vector<uint8_t> junk = {'n', 'o', 't', ' ', 'a', ' ', 'l', 'a', 'b', 'e', 'l'};
  env.escrow = tdh2::encrypt(c.pk(), tdh2::random_session_key(c.rng), junk, c.rng).value();
  EXPECT_TRUE(failed_with(Envelope::decode(env.encode()), ErrorCategory::malformed));
}

}  // namespace
}  // namespace escrow::envelope
