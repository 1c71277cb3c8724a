#pragma once
/// Domain-separated BLAKE2b (SPEC §2.2).
///
///   H_tag(x1, ..., xm) = BLAKE2b-out( LP(tag) || LP(x1) || ... || LP(xm) )
///   LP(x)              = u32be(len(x)) || x
///
/// Every input is length-prefixed, so no two different input lists hash the same bytes.
/// BLAKE2b is unkeyed here; secret inputs (session keys) are fine, it runs in constant time.
#include <sodium.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace escrow {

class Hasher {
 public:
  /// out_len in [16, 64] bytes (libsodium's BLAKE2b range).
  Hasher(std::string_view tag, std::size_t out_len);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& add(std::span<const uint8_t> input);
  Hasher& add(std::string_view input);
  /// Writes out_len bytes; the Hasher must not be used afterwards.
  void finish(std::span<uint8_t> out);

  template <std::size_t N>
  [[nodiscard]] std::array<uint8_t, N> finish() {
    std::array<uint8_t, N> out{};
    finish(out);
    return out;
  }

 private:
  crypto_generichash_state state_;
  std::size_t out_len_;
};

}  // namespace escrow
