#include "escrow/signature.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

namespace escrow::signature {
namespace {

TEST(Signature, VerifiesUnderItsTagAndKeyOnly) {
  VerifyKey pk{}, other_pk{};
  SigningKey sk, other_sk;
  crypto_sign_keypair(pk.data(), sk.expose().data());
  crypto_sign_keypair(other_pk.data(), other_sk.expose().data());
  const std::vector<uint8_t> msg = {1, 2, 3};
  const auto sig = sign("doormat/v1/test/a", msg, sk);
  EXPECT_TRUE(verify("doormat/v1/test/a", msg, sig, pk));
  EXPECT_FALSE(verify("doormat/v1/test/b", msg, sig, pk));  // a request signature is no tree-head signature
  EXPECT_FALSE(verify("doormat/v1/test/a", msg, sig, other_pk));
  const std::vector<uint8_t> other_msg = {1, 2, 4};
  EXPECT_FALSE(verify("doormat/v1/test/a", other_msg, sig, pk));
}

TEST(Signature, IsPlainEd25519OverTheTaggedDigest) {
  // Anyone can check it with a stock Ed25519 verifier over H_tag^32(message).
  VerifyKey pk{};
  SigningKey sk;
  crypto_sign_keypair(pk.data(), sk.expose().data());
  const std::vector<uint8_t> msg = {9};
  const auto sig = sign("t", msg, sk);
  std::array<uint8_t, 32> digest{};
  const std::vector<uint8_t> framed = {0, 0, 0, 1, 't', 0, 0, 0, 1, 9};
  crypto_generichash(digest.data(), digest.size(), framed.data(), framed.size(), nullptr, 0);
  EXPECT_EQ(crypto_sign_verify_detached(sig.data(), digest.data(), digest.size(), pk.data()), 0);
}

}  // namespace
}  // namespace escrow::signature
