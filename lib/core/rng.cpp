#include "escrow/rng.hpp"

#include <sodium.h>

#include <algorithm>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/sodium.hpp"

namespace escrow {

void SystemRng::fill(std::span<uint8_t> out) {
  sodium_ready();
  randombytes_buf(out.data(), out.size());
}

DeterministicRng::DeterministicRng(std::string_view seed) {
  Hasher(domain::kTestRng, 32).add(seed).finish(key_.expose());
}

void DeterministicRng::fill(std::span<uint8_t> out) {
  static constexpr uint8_t kZeroNonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {};
  std::size_t done = 0;
  while (done < out.size()) {
    if (used_ == 64) {
      // One 64-byte ChaCha20 block at counter next_block_: the key stream XORed onto zeros.
      auto block = block_.expose();
      std::fill(block.begin(), block.end(), 0);
      crypto_stream_chacha20_ietf_xor_ic(block.data(), block.data(), block.size(), kZeroNonce,
                                         next_block_++, key_.expose().data());
      used_ = 0;
    }
    const std::size_t n = std::min(out.size() - done, 64 - used_);
    std::copy_n(block_.expose().begin() + static_cast<std::ptrdiff_t>(used_), n, out.begin() + static_cast<std::ptrdiff_t>(done));
    used_ += n;
    done += n;
  }
}

}  // namespace escrow
