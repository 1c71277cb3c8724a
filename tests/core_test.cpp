// Hashing, randomness and secret containers (lib/core).
#include <gtest/gtest.h>
#include <sodium.h>

#include "escrow/hash.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"
#include "escrow/wire.hpp"

namespace escrow {
namespace {

TEST(Hash, IsBlake2bOverLengthPrefixedTagAndInputs) {
  const std::string tag = "doormat/v1/example";
  const std::vector<uint8_t> x = {1, 2, 3};
  std::vector<uint8_t> manual = {0, 0, 0, static_cast<uint8_t>(tag.size())};
  manual.insert(manual.end(), tag.begin(), tag.end());
  manual.insert(manual.end(), {0, 0, 0, 3, 1, 2, 3});
  std::array<uint8_t, 32> expected{};
  crypto_generichash(expected.data(), expected.size(), manual.data(), manual.size(), nullptr, 0);
  EXPECT_EQ(Hasher(tag, 32).add(x).finish<32>(), expected);
}

TEST(Hash, EmptyInputStillCountsAsAnInput) {
  const std::vector<uint8_t> empty;
  EXPECT_NE(Hasher("t", 32).finish<32>(), Hasher("t", 32).add(empty).finish<32>());
}

TEST(DeterministicRng, IsTheChaCha20KeyStreamUnderTheHashedSeed) {
  DeterministicRng rng("seed");
  std::array<uint8_t, 100> got{};
  rng.fill(got);
  const auto key = Hasher("doormat/v1/test/rng", 32).add(std::string_view("seed")).finish<32>();
  std::array<uint8_t, 100> expected{};
  const uint8_t nonce[12] = {};
  crypto_stream_chacha20_ietf(expected.data(), expected.size(), nonce, key.data());
  EXPECT_EQ(got, expected);
}

TEST(DeterministicRng, PiecewiseReadsEqualOneRead) {
  DeterministicRng a("s"), b("s");
  std::array<uint8_t, 150> whole{}, parts{};
  a.fill(whole);
  b.fill(std::span(parts).first(7));
  b.fill(std::span(parts).subspan(7, 64));
  b.fill(std::span(parts).subspan(71));
  EXPECT_EQ(whole, parts);
}

TEST(DeterministicRng, DifferentSeedsGiveDifferentStreams) {
  DeterministicRng a("s1"), b("s2");
  std::array<uint8_t, 32> x{}, y{};
  a.fill(x);
  b.fill(y);
  EXPECT_NE(x, y);
}

TEST(Secret, MovedFromSecretIsWiped) {
  std::array<uint8_t, 4> raw = {9, 9, 9, 9};
  auto a = Secret<4>::from(raw);
  Secret<4> b = std::move(a);
  EXPECT_EQ(wire::to_hex(a.expose()), "00000000");  // NOLINT(bugprone-use-after-move): checking the wipe
  EXPECT_EQ(wire::to_hex(b.expose()), "09090909");
}

TEST(Secret, EqualityComparesEveryByte) {
  std::array<uint8_t, 4> x = {1, 2, 3, 4}, y = {1, 2, 3, 5};
  EXPECT_TRUE(Secret<4>::from(x).equals(Secret<4>::from(x)));
  EXPECT_FALSE(Secret<4>::from(x).equals(Secret<4>::from(y)));
}

}  // namespace
}  // namespace escrow
