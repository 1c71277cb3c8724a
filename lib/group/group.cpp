#include "escrow/group.hpp"

#include <sodium.h>

#include <cstdlib>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"

namespace escrow::group {
namespace {

// libsodium must be initialised before use (it picks implementations and seeds randombytes).
// group.cpp is linked into every user of the library, so the call lives here.
const bool kSodiumReady = [] {
  if (sodium_init() < 0) std::abort();
  return true;
}();

// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr std::array<uint8_t, 32> kOrder = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// Canonical iff value < L. Parsed scalars are public protocol values (proof responses,
// challenges), so a data-dependent comparison is acceptable here.
bool is_canonical(std::span<const uint8_t, 32> le) {
  for (int i = 31; i >= 0; --i) {
    if (le[i] < kOrder[i]) return true;
    if (le[i] > kOrder[i]) return false;
  }
  return false;  // equal to L
}

// libsodium returns -1 from scalarmult exactly when the result is the identity. Our protocol
// values are never the identity, but intermediate ones can be (s = 0): return it explicitly
// rather than trusting the output buffer's contents.
Point identity_or(int rc, const std::array<uint8_t, 32>& out) {
  if (rc != 0) return Point::identity();
  auto p = Point::from_bytes(out, IdentityPoint::allow);
  if (!p) std::abort();  // libsodium produced an invalid encoding: nothing sane to do
  return *p;
}

}  // namespace

// ---- Scalar ----

Scalar::Scalar() { bytes_.fill(0); }
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
  if (zero == ZeroScalar::refuse && s.is_zero())
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
    if (!s.is_zero()) return s;
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

// ---- Point ----

Point::Point() { bytes_.fill(0); }  // the identity encodes as 32 zero bytes

const Point& Point::generator() {
  static const Point g = Point::base_mul(Scalar::from_u64(1));
  return g;
}

const Point& Point::generator_bar() {
  // Nobody knows log_G Gbar: it comes out of a hash (SPEC §2.1).
  static const Point gbar = hash_to_point(domain::kGeneratorBar, {});
  return gbar;
}

Result<Point> Point::from_bytes(std::span<const uint8_t> bytes, IdentityPoint identity) {
  if (bytes.size() != kPointBytes)
    return fail(ErrorCategory::malformed, "group::Point::from_bytes", "point must be 32 bytes");
  // is_valid_point refuses non-canonical encodings but accepts the identity.
  if (crypto_core_ristretto255_is_valid_point(bytes.data()) != 1)
    return fail(ErrorCategory::malformed, "group::Point::from_bytes", "not a canonical ristretto255 encoding");
  Point p;
  std::copy(bytes.begin(), bytes.end(), p.bytes_.begin());
  if (identity == IdentityPoint::refuse && p.is_identity())
    return fail(ErrorCategory::malformed, "group::Point::from_bytes", "identity point");
  return p;
}

Point Point::from_uniform(std::span<const uint8_t, 64> wide) {
  Point p;
  crypto_core_ristretto255_from_hash(p.bytes_.data(), wide.data());
  return p;
}

Point Point::base_mul(const Scalar& s) {
  std::array<uint8_t, 32> out{};
  const auto sb = s.to_bytes();
  const int rc = crypto_scalarmult_ristretto255_base(out.data(), sb.data());
  return identity_or(rc, out);
}

Point Point::operator*(const Scalar& s) const {
  if (is_identity()) return Point::identity();
  // libsodium's fixed-base path is about 3x faster; the check is a public 32-byte compare.
  if (*this == generator()) return base_mul(s);
  std::array<uint8_t, 32> out{};
  const auto sb = s.to_bytes();
  const int rc = crypto_scalarmult_ristretto255(out.data(), sb.data(), bytes_.data());
  return identity_or(rc, out);
}

Point Point::operator+(const Point& o) const {
  Point r;
  if (crypto_core_ristretto255_add(r.bytes_.data(), bytes_.data(), o.bytes_.data()) != 0) std::abort();
  return r;
}

Point Point::operator-(const Point& o) const {
  Point r;
  if (crypto_core_ristretto255_sub(r.bytes_.data(), bytes_.data(), o.bytes_.data()) != 0) std::abort();
  return r;
}

bool Point::is_identity() const { return sodium_is_zero(bytes_.data(), bytes_.size()) == 1; }
bool Point::operator==(const Point& o) const {
  return sodium_memcmp(bytes_.data(), o.bytes_.data(), bytes_.size()) == 0;
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

}  // namespace escrow::group
