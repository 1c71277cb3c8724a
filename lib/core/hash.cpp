#include "escrow/hash.hpp"

#include <stdexcept>

#include "escrow/sodium.hpp"

namespace escrow {
namespace {
void absorb_prefixed(crypto_generichash_state& state, std::span<const uint8_t> input) {
  const auto n = static_cast<uint32_t>(input.size());
  const uint8_t prefix[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                             static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  crypto_generichash_update(&state, prefix, sizeof prefix);
  crypto_generichash_update(&state, input.data(), input.size());
}
}  // namespace

Hasher::Hasher(std::string_view tag, std::size_t out_len) : out_len_(out_len) {
  sodium_ready();
  // Output lengths are compile-time choices in lib/, so a bad one is a programming error.
  if (out_len < crypto_generichash_BYTES_MIN || out_len > crypto_generichash_BYTES_MAX) std::abort();
  crypto_generichash_init(&state_, nullptr, 0, out_len);
  add(tag);
}

Hasher::~Hasher() { sodium_memzero(&state_, sizeof state_); }

Hasher& Hasher::add(std::span<const uint8_t> input) {
  absorb_prefixed(state_, input);
  return *this;
}

Hasher& Hasher::add(std::string_view input) {
  return add(std::span(reinterpret_cast<const uint8_t*>(input.data()), input.size()));
}

void Hasher::finish(std::span<uint8_t> out) {
  if (out.size() != out_len_) std::abort();
  crypto_generichash_final(&state_, out.data(), out.size());
}

}  // namespace escrow
