// The libsodium point backend (-DDOORMAT_GROUP_BACKEND=sodium, the reference): a Point is its
// canonical 32-byte encoding, and every libsodium operation decodes its arguments and encodes its
// result. group_decaf.cpp is the default; both must give identical bytes (SPEC §2.1).
#include "escrow/group.hpp"

#include <sodium.h>

#include <cstdlib>

#include "escrow/ct.hpp"
#include "escrow/sodium.hpp"
#include "point_encoding.hpp"

namespace escrow::group {

// ---- Point ----

Point::Point() {
  sodium_ready();
  bytes_.fill(0);  // the identity encodes as 32 zero bytes
}

const Point& Point::generator() {
  static const Point g = Point::base_mul(Scalar::from_u64(1));
  return g;
}

Result<Point> Point::from_bytes(std::span<const uint8_t> bytes, IdentityPoint identity) {
  if (auto shape = detail::check_point_encoding(bytes); !shape) return unexpected(shape.error());
  // is_valid_point refuses the other non-canonical encodings but accepts the identity.
  // Public: whether the encoding is valid (always, for a secret point this library made).
  if (ct::declassify(crypto_core_ristretto255_is_valid_point(bytes.data())) != 1)
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

// libsodium returns -1 when the product is the identity (s = 0, or P the identity); the identity
// is then returned explicitly, whatever the buffer holds. Otherwise its output is a canonical
// encoding by construction, so it is not decoded again (that cost a square root per
// multiplication). Public, both: whether a product is the identity is never secret-dependent for
// a nonzero secret and a point of prime order.
Point Point::base_mul(const Scalar& s) {
  Point p;
  // The scalar's own bytes, by reference: no copy of a secret is made to be wiped.
  const int rc = crypto_scalarmult_ristretto255_base(p.bytes_.data(), s.to_bytes().data());
  return ct::declassify(rc) == 0 ? p : Point::identity();
}

Point Point::operator*(const Scalar& s) const {
  // Public: whether P is the identity or G (a secret point is neither). G takes libsodium's
  // fixed-base path, about 3x faster.
  if (ct::declassify(is_identity())) return Point::identity();
  if (ct::declassify(*this == generator())) return base_mul(s);
  Point p;
  const int rc = crypto_scalarmult_ristretto255(p.bytes_.data(), s.to_bytes().data(), bytes_.data());
  return ct::declassify(rc) == 0 ? p : Point::identity();
}

Point Point::operator+(const Point& o) const {
  Point r;
  // Public: the sum of two valid points is always valid; libsodium's -1 would mean memory corruption.
  if (ct::declassify(crypto_core_ristretto255_add(r.bytes_.data(), bytes_.data(), o.bytes_.data())) != 0) std::abort();
  return r;
}

Point Point::operator-(const Point& o) const {
  Point r;
  if (ct::declassify(crypto_core_ristretto255_sub(r.bytes_.data(), bytes_.data(), o.bytes_.data())) != 0) std::abort();
  return r;
}

void poison_for_ct_check(const Point& p) { ct::poison(p.bytes_); }

bool Point::is_identity() const { return sodium_is_zero(bytes_.data(), bytes_.size()) == 1; }
bool Point::operator==(const Point& o) const {
  return sodium_memcmp(bytes_.data(), o.bytes_.data(), bytes_.size()) == 0;
}

}  // namespace escrow::group
