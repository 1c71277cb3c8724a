// Secrets are wiped when their holder is destroyed. Each object is built in a buffer the test
// owns (placement new), destroyed, and the buffer inspected: no use of freed memory involved.
#include <gtest/gtest.h>

#include <algorithm>
#include <new>
#include <type_traits>
#include <utility>

#include "escrow/group.hpp"
#include "escrow/hash.hpp"
#include "escrow/secret.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/wire.hpp"

namespace escrow {
namespace {

template <typename T>
struct Buffer {
  alignas(T) unsigned char bytes[sizeof(T)];
  bool contains(std::span<const uint8_t> needle) const {
    return std::search(std::begin(bytes), std::end(bytes), needle.begin(), needle.end()) != std::end(bytes);
  }
};

TEST(Wipe, SecretIsZeroAfterDestruction) {
  Buffer<Secret<32>> buf;
  std::array<uint8_t, 32> key{};
  key.fill(0xa5);
  auto* s = new (buf.bytes) Secret<32>(Secret<32>::from(key));
  ASSERT_TRUE(buf.contains(key));
  s->~Secret();
  EXPECT_FALSE(buf.contains(key));
  EXPECT_TRUE(std::all_of(std::begin(buf.bytes), std::end(buf.bytes), [](unsigned char b) { return b == 0; }));
}

TEST(Wipe, ScalarIsZeroAfterDestruction) {
  DeterministicRng rng("wipe/scalar");
  const group::Scalar secret = group::Scalar::random(rng);
  const auto bytes = secret.to_bytes();
  Buffer<group::Scalar> buf;
  auto* s = new (buf.bytes) group::Scalar(secret);
  ASSERT_TRUE(buf.contains(bytes));
  s->~Scalar();
  EXPECT_FALSE(buf.contains(bytes));
}

TEST(Wipe, KeyShareLeavesNoShareBytesBehind) {
  DeterministicRng rng("wipe/share");
  const group::Scalar x = group::Scalar::random(rng);
  const auto bytes = x.to_bytes();
  Buffer<tdh2::KeyShare> buf;
  auto* share = new (buf.bytes) tdh2::KeyShare(*PartyIndex::make(1), 0, group::SecretScalar(x));
  ASSERT_TRUE(buf.contains(bytes));
  share->~KeyShare();
  EXPECT_FALSE(buf.contains(bytes));
}

TEST(Wipe, MovingASecretScalarZeroesTheSource) {
  DeterministicRng rng("wipe/secret-scalar");
  const group::Scalar x = group::Scalar::random(rng);
  const auto bytes = x.to_bytes();
  Buffer<group::SecretScalar> buf;
  auto* source = new (buf.bytes) group::SecretScalar(x);
  ASSERT_TRUE(buf.contains(bytes));
  const group::SecretScalar moved(std::move(*source));
  EXPECT_FALSE(buf.contains(bytes));  // the source's bytes are zero before it is even destroyed
  EXPECT_EQ(moved.expose_secret(), x);
  source->~SecretScalar();
}

TEST(Wipe, SecretWriterWritesIntoAZeroizingBuffer) {
  // The SecretWriter's buffer is a SecureBytes: every block it lets go while growing is wiped.
  static_assert(std::is_same_v<decltype(wire::SecretWriter().take()), SecureBytes>);
  DeterministicRng rng("wipe/secret-writer");
  const auto x = group::SecretScalar::random(rng);
  wire::SecretWriter w;
  for (int i = 0; i < 64; ++i) w.bytes(x.expose_secret().to_bytes());  // grows, reallocating
  const auto out = w.take();
  EXPECT_EQ(out.size(), 64u * 32);
  EXPECT_TRUE(std::equal(out.begin(), out.begin() + 32, x.expose_secret().to_bytes().begin()));
}

static_assert(!std::is_copy_constructible_v<group::SecretScalar>);
static_assert(!std::is_copy_assignable_v<group::SecretScalar>);
static_assert(std::is_nothrow_move_constructible_v<group::SecretScalar>);
static_assert(!std::is_copy_constructible_v<tdh2::KeyShare>);

TEST(Wipe, SessionKeyMovedFromIsZero) {
  DeterministicRng rng("wipe/session");
  auto key = tdh2::random_session_key(rng);
  const std::array<uint8_t, 32> copy = [&] {
    std::array<uint8_t, 32> c{};
    std::copy(key.expose().begin(), key.expose().end(), c.begin());
    return c;
  }();
  tdh2::SessionKey moved = std::move(key);
  EXPECT_TRUE(std::all_of(key.expose().begin(), key.expose().end(), [](uint8_t b) { return b == 0; }));  // NOLINT: checking the wipe
  EXPECT_TRUE(std::equal(copy.begin(), copy.end(), moved.expose().begin()));
}

TEST(Wipe, HasherStateIsZeroAfterDestruction) {
  // The BLAKE2b state absorbs session keys (H1, the envelope's key derivation).
  Buffer<Hasher> buf;
  const std::array<uint8_t, 32> key = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  auto* h = new (buf.bytes) Hasher("doormat/v1/test/wipe", 32);
  h->add(key);
  (void)h->finish<32>();
  h->~Hasher();
  const std::size_t state_bytes = sizeof(crypto_generichash_state);
  EXPECT_TRUE(std::all_of(buf.bytes, buf.bytes + state_bytes, [](unsigned char b) { return b == 0; }));
}


// SecureBytes' allocator, observed through an upstream allocator that records every block's bytes
// at the moment it is handed back (before it is freed): every block a growing vector of secret
// bytes gives back, on reallocation and on destruction, must be zero. The same recorder under a
// plain vector shows the secret, so the test can tell.
struct Returned {
  static inline std::vector<std::vector<uint8_t>> blocks;
};
template <typename T>
struct RecordingAllocator {
  using value_type = T;
  RecordingAllocator() = default;
  template <typename U>
  RecordingAllocator(const RecordingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    const auto* bytes = reinterpret_cast<const uint8_t*>(p);
    Returned::blocks.emplace_back(bytes, bytes + n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <typename U>
  bool operator==(const RecordingAllocator<U>&) const noexcept { return true; }
};

template <typename Vector>
std::vector<std::vector<uint8_t>> blocks_returned_by_a_growing_secret() {
  Returned::blocks.clear();
  {
    Vector v;
    for (int i = 0; i < 1000; ++i) v.push_back(0xa5);  // several reallocations
  }
  return std::exchange(Returned::blocks, {});
}

TEST(Wipe, SecureBytesAllocatorZeroesEveryBlockItGivesBack) {
  static_assert(std::is_same_v<SecureBytes::allocator_type, ZeroizingAllocator<uint8_t>>, "SecureBytes is what is tested here");
  const auto wiped = blocks_returned_by_a_growing_secret<std::vector<uint8_t, ZeroizingAllocator<uint8_t, RecordingAllocator<uint8_t>>>>();
  ASSERT_GE(wiped.size(), 5u);  // the reallocations and the final block
  for (const auto& block : wiped) EXPECT_TRUE(std::all_of(block.begin(), block.end(), [](uint8_t b) { return b == 0; }));

  const auto plain = blocks_returned_by_a_growing_secret<std::vector<uint8_t, RecordingAllocator<uint8_t>>>();
  ASSERT_FALSE(plain.empty());
  EXPECT_TRUE(std::any_of(plain.back().begin(), plain.back().end(), [](uint8_t b) { return b == 0xa5; }));
}

}  // namespace
}  // namespace escrow
