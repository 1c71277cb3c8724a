#include "escrow/sealed_box.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include "test_support.hpp"

namespace escrow::sealed_box {
namespace {
using test::failed_with;

// The eight low-order X25519 u-coordinates as libsodium's blacklist lists them (0, 1, the two of
// order 8, p - 1, p, p + 1) and two of their encodings with bit 255 set, which X25519 ignores.
std::vector<PublicKey> low_order_points() {
  auto hex = [](const char* h) {
    PublicKey k{};
    for (std::size_t i = 0; i < 32; ++i) k[i] = static_cast<uint8_t>(std::stoi(std::string(h + 2 * i, 2), nullptr, 16));
    return k;
  };
  return {hex("0000000000000000000000000000000000000000000000000000000000000000"),
          hex("0100000000000000000000000000000000000000000000000000000000000000"),
          hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
          hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
          hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
          hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
          hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
          hex("0000000000000000000000000000000000000000000000000000000000000080"),
          hex("0100000000000000000000000000000000000000000000000000000000000080")};
}

TEST(SealedBox, OpensWithLibsodiumsSealOpenAndIsReproducibleFromItsRng) {
  PublicKey pk{};
  Secret<32> sk;
  crypto_box_keypair(pk.data(), sk.expose().data());
  const std::vector<uint8_t> message = {'h', 'i'};
  DeterministicRng a("sealed box"), b("sealed box");
  const auto one = seal(message, pk, a).value(), two = seal(message, pk, b).value();
  EXPECT_EQ(one, two);
  ASSERT_EQ(one.size(), message.size() + kOverhead);
  std::vector<uint8_t> opened(message.size());
  ASSERT_EQ(crypto_box_seal_open(opened.data(), one.data(), one.size(), pk.data(), sk.expose().data()), 0);
  EXPECT_EQ(opened, message);
}

TEST(SealedBox, EveryLowOrderKeyIsRefusedBeforeAnyRandomnessIsDrawn) {
  for (const auto& k : low_order_points()) {
    EXPECT_FALSE(usable(k));
    DeterministicRng rng("unused"), fresh("unused");
    EXPECT_TRUE(failed_with(seal(std::vector<uint8_t>{1}, k, rng), ErrorCategory::malformed));
    std::array<uint8_t, 8> x{}, y{};
    rng.fill(x);
    fresh.fill(y);
    EXPECT_EQ(x, y);  // nothing was drawn
  }
  PublicKey ordinary{};
  Secret<32> sk;
  crypto_box_keypair(ordinary.data(), sk.expose().data());
  EXPECT_TRUE(usable(ordinary));
}

}  // namespace
}  // namespace escrow::sealed_box
