#include "escrow/group.hpp"

#include <sodium.h>

#include <cstdlib>

#include "escrow/ct.hpp"
#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/sodium.hpp"
#include "point_encoding.hpp"

namespace escrow::group {
namespace {

// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr std::array<uint8_t, 32> kOrder = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// Canonical iff value < L, in constant time: a trustee's secret share is parsed with it too.
// From the most significant byte down, c records "less than L" at the first byte that differs
// and n stays 1 while every byte so far equals L's (libsodium's sc25519_is_canonical, for L).
bool is_canonical(std::span<const uint8_t, 32> le) {
  unsigned c = 0, n = 1;
  for (int i = 31; i >= 0; --i) {
    c |= ((static_cast<unsigned>(le[i]) - kOrder[i]) >> 8) & n;
    n &= ((static_cast<unsigned>(le[i]) ^ kOrder[i]) - 1) >> 8;
  }
  // Public: every honest scalar, secret or not, is canonical, so the caller's branch always goes one way.
  return ct::declassify(c) != 0;
}

}  // namespace

// ---- Scalar ----

// Every group operation constructs a Scalar or a Point: libsodium is initialised here, on the
// first one (escrow/sodium.hpp says why not in a static initialiser).
Scalar::Scalar() {
  sodium_ready();
  bytes_.fill(0);
}
Scalar::~Scalar() { sodium_memzero(bytes_.data(), bytes_.size()); }

Scalar Scalar::from_u64(uint64_t value) {
  Scalar s;
  for (int i = 0; i < 8; ++i) s.bytes_[i] = static_cast<uint8_t>(value >> (8 * i));
  return s;
}

Result<Scalar> Scalar::from_bytes(std::span<const uint8_t> bytes, ZeroScalar zero) {
  if (bytes.size() != kScalarBytes)
    return fail(ErrorCategory::malformed, "group::Scalar::from_bytes", "scalar must be 32 bytes");
  if (!is_canonical(bytes.first<32>()))
    return fail(ErrorCategory::malformed, "group::Scalar::from_bytes", "non-canonical scalar (>= L)");
  Scalar s;
  std::copy(bytes.begin(), bytes.end(), s.bytes_.begin());
  if (zero == ZeroScalar::refuse && ct::declassify(s.is_zero()))  // public: an honest secret is never zero
    return fail(ErrorCategory::malformed, "group::Scalar::from_bytes", "zero scalar");
  return s;
}

Scalar Scalar::reduce(std::span<const uint8_t, 64> wide) {
  Scalar s;
  crypto_core_ristretto255_scalar_reduce(s.bytes_.data(), wide.data());
  return s;
}

Scalar Scalar::random(Rng& rng) {
  Secret<64> wide;
  for (;;) {
    rng.fill(wide.expose());
    Scalar s = reduce(wide.expose());
    if (!ct::declassify(s.is_zero())) return s;  // public: zero comes up with probability 2^-252
  }
}

Scalar Scalar::operator+(const Scalar& o) const {
  Scalar r;
  crypto_core_ristretto255_scalar_add(r.bytes_.data(), bytes_.data(), o.bytes_.data());
  return r;
}
Scalar Scalar::operator-(const Scalar& o) const {
  Scalar r;
  crypto_core_ristretto255_scalar_sub(r.bytes_.data(), bytes_.data(), o.bytes_.data());
  return r;
}
Scalar Scalar::operator*(const Scalar& o) const {
  Scalar r;
  crypto_core_ristretto255_scalar_mul(r.bytes_.data(), bytes_.data(), o.bytes_.data());
  return r;
}
Scalar Scalar::negate() const {
  Scalar r;
  crypto_core_ristretto255_scalar_negate(r.bytes_.data(), bytes_.data());
  return r;
}
Result<Scalar> Scalar::invert() const {
  Scalar r;
  if (crypto_core_ristretto255_scalar_invert(r.bytes_.data(), bytes_.data()) != 0)
    return fail(ErrorCategory::malformed, "group::Scalar::invert", "zero has no inverse");
  return r;
}

bool Scalar::is_zero() const { return sodium_is_zero(bytes_.data(), bytes_.size()) == 1; }
bool Scalar::operator==(const Scalar& o) const {
  return sodium_memcmp(bytes_.data(), o.bytes_.data(), bytes_.size()) == 0;
}

Result<SecretScalar> SecretScalar::from_bytes(std::span<const uint8_t> bytes, ZeroScalar zero) {
  auto s = Scalar::from_bytes(bytes, zero);
  if (!s) return escrow::unexpected(s.error());
  return SecretScalar(*s);
}

// ---- Point: the parts both backends share (group_decaf.cpp, group_sodium.cpp hold the rest) ----

const Point& Point::generator_bar() {
  // Nobody knows log_G Gbar: it comes out of a hash (SPEC §2.1).
  static const Point gbar = hash_to_point(domain::kGeneratorBar, {});
  return gbar;
}

// ---- hashing onto the group ----

Scalar hash_to_scalar(std::string_view tag, std::initializer_list<std::span<const uint8_t>> inputs) {
  Hasher h(tag, 64);
  for (auto in : inputs) h.add(in);
  auto wide = h.finish<64>();
  Scalar s = Scalar::reduce(wide);
  sodium_memzero(wide.data(), wide.size());
  return s;
}

Point hash_to_point(std::string_view tag, std::initializer_list<std::span<const uint8_t>> inputs) {
  Hasher h(tag, 64);
  for (auto in : inputs) h.add(in);
  return Point::from_uniform(h.finish<64>());
}

Result<std::vector<Scalar>> batch_invert(std::span<const Scalar> values) {
  // prefix[i] = v_0 * ... * v_{i-1}; invert the full product once, then peel off each factor.
  std::vector<Scalar> prefix(values.size());
  Scalar acc = Scalar::from_u64(1);
  for (std::size_t i = 0; i < values.size(); ++i) {
    prefix[i] = acc;
    acc = acc * values[i];
  }
  auto inv = acc.invert();
  if (!inv) return fail(ErrorCategory::malformed, "group::batch_invert", "zero in batch");
  std::vector<Scalar> out(values.size());
  Scalar running = *inv;  // (v_0 ... v_{i})^{-1}
  for (std::size_t i = values.size(); i-- > 0;) {
    out[i] = running * prefix[i];
    running = running * values[i];
  }
  return out;
}

namespace detail {
Result<void> check_point_encoding(std::span<const uint8_t> bytes) {
  if (bytes.size() != kPointBytes)
    return fail(ErrorCategory::malformed, "group::Point::from_bytes", "point must be 32 bytes");
  // RFC 9496 §4.3.1: an encoding with bit 255 set is non-canonical. libsodium 1.0.18 masks that
  // bit off before its own canonical check (libdecaf refuses it), so without this the same point
  // would have two encodings under one backend and a field with it would be refused only later,
  // at a proof. Public: whether the encoding is valid.
  if (ct::declassify(bytes[31] & 0x80) != 0)
    return fail(ErrorCategory::malformed, "group::Point::from_bytes", "not a canonical ristretto255 encoding (bit 255 set)");
  return {};
}
}  // namespace detail

}  // namespace escrow::group
