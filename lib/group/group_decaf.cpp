// The libdecaf point backend (-DDOORMAT_GROUP_BACKEND=decaf, the default). A Point holds
// libdecaf's decoded point (extended coordinates), so a sum or a product costs no square root;
// the canonical encoding is computed once, when to_bytes() is first called, and kept (a parsed
// Point keeps the bytes it was parsed from, which are canonical). libdecaf's ristretto255 gives the
// same bytes as libsodium's for every operation used here (tests/group_backend_diff_test.cpp);
// group_sodium.cpp is the reference. libdecaf's decode, add, sub, scalarmul, precomputed_scalarmul
// and from_hash are used as they are; encoding and equality are decaf_ct.cpp's, because Debian's
// libdecaf keeps assert()s that branch inside every canonical reduction (decaf_ct.hpp). Whether a
// point is valid or the identity is declassified below with the reason, as in group_sodium.cpp.
#include <decaf/point_255.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#include "decaf_access.hpp"
#include "decaf_ct.hpp"
#include "escrow/ct.hpp"
#include "escrow/group.hpp"
#include "escrow/sodium.hpp"
#include "point_encoding.hpp"

namespace escrow::group {

namespace {

using A = DecafAccess;

// libdecaf's table of multiples of Gbar, built once (9 KiB; kept for the process's lifetime).
const decaf_255_precomputed_s* generator_bar_table() {
  static const decaf_255_precomputed_s* const table = [] {
    const std::size_t align = decaf_255_alignof_precomputed_s;
    const std::size_t size = (decaf_255_sizeof_precomputed_s + align - 1) / align * align;
    auto* t = static_cast<decaf_255_precomputed_s*>(std::aligned_alloc(align, size));
    if (t == nullptr) std::abort();
    decaf_255_precompute(t, A::rep(Point::generator_bar()));
    return t;
  }();
  return table;
}

}  // namespace

Point::Point() {
  sodium_ready();  // Scalar's arithmetic is libsodium's; keep the one initialisation point
  std::memcpy(A::rep(*this), decaf_255_point_identity, sizeof(decaf_255_point_t));
  bytes_.fill(0);  // the identity encodes as 32 zero bytes
  encoded_.store(kEncoded, std::memory_order_relaxed);
}

Point::Point(const Point& o) {
  std::memcpy(A::rep(*this), A::rep(o), sizeof(decaf_255_point_t));
  if (o.encoded_.load(std::memory_order_acquire) == kEncoded) {
    bytes_ = o.bytes_;
    encoded_.store(kEncoded, std::memory_order_relaxed);
  }
}

Point& Point::operator=(const Point& o) {
  if (this == &o) return *this;
  std::memcpy(A::rep(*this), A::rep(o), sizeof(decaf_255_point_t));
  if (o.encoded_.load(std::memory_order_acquire) == kEncoded) {
    bytes_ = o.bytes_;
    encoded_.store(kEncoded, std::memory_order_relaxed);
  } else {
    encoded_.store(kNotEncoded, std::memory_order_relaxed);
  }
  return *this;
}

const std::array<uint8_t, kPointBytes>& Point::to_bytes() const {
  if (encoded_.load(std::memory_order_acquire) == kEncoded) return bytes_;
  uint8_t expected = kNotEncoded;
  if (encoded_.compare_exchange_strong(expected, kEncoding, std::memory_order_acq_rel)) {
    decaf_ct::encode(bytes_, A::rep(*this));  // not decaf_255_point_encode: decaf_ct.hpp says why
    encoded_.store(kEncoded, std::memory_order_release);
  } else {
    // Another thread is encoding this same point: a few microseconds.
    while (encoded_.load(std::memory_order_acquire) != kEncoded) std::this_thread::yield();
  }
  return bytes_;
}

const Point& Point::generator() {
  static const Point g = [] {
    Point p;
    std::memcpy(A::rep(p), decaf_255_point_base, sizeof(decaf_255_point_t));
    p.encoded_.store(kNotEncoded, std::memory_order_relaxed);
    (void)p.to_bytes();
    return p;
  }();
  return g;
}

Result<Point> Point::from_bytes(std::span<const uint8_t> bytes, IdentityPoint identity) {
  if (auto shape = detail::check_point_encoding(bytes); !shape) return unexpected(shape.error());
  Point p;
  // Identity allowed here and refused below, explicitly, as with libsodium.
  // Public: whether the encoding is valid (always, for a secret point this library made).
  if (ct::declassify(decaf_255_point_decode(A::rep(p), bytes.data(), DECAF_TRUE)) != DECAF_SUCCESS)
    return fail(ErrorCategory::malformed, "group::Point::from_bytes", "not a canonical ristretto255 encoding");
  std::copy(bytes.begin(), bytes.end(), p.bytes_.begin());  // canonical: it is the encoding
  if (identity == IdentityPoint::refuse && ct::declassify(p.is_identity()))  // public, as above
    return fail(ErrorCategory::malformed, "group::Point::from_bytes", "identity point");
  return p;
}

Point Point::from_uniform(std::span<const uint8_t, 64> wide) {
  Point p;
  // RFC 9496's one-way map: two Elligator maps of the halves, added; byte-identical to libsodium's
  // crypto_core_ristretto255_from_hash (decaf_255_point_from_hash_nonuniform is one half only).
  decaf_255_point_from_hash_uniform(A::rep(p), wide.data());
  p.encoded_.store(kNotEncoded, std::memory_order_relaxed);
  return p;
}

// No special case for a zero scalar or the identity: libdecaf's ladder returns the identity, and
// no secret-dependent branch is taken (libsodium's -1 return needed one).
Point Point::base_mul(const Scalar& s) {
  Point p;
  const DecafScalar k(s);
  decaf_255_precomputed_scalarmul(A::rep(p), decaf_255_precomputed_base, k.get());
  p.encoded_.store(kNotEncoded, std::memory_order_relaxed);
  return p;
}

Point Point::operator*(const Scalar& s) const {
  // Public: whether P is G or Gbar (a secret point is neither). Both take a fixed-base table
  // (constant time too), ~3x faster than the variable-base ladder.
  Point p;
  const DecafScalar k(s);
  if (ct::declassify(*this == generator()))
    decaf_255_precomputed_scalarmul(A::rep(p), decaf_255_precomputed_base, k.get());
  else if (ct::declassify(*this == generator_bar()))
    decaf_255_precomputed_scalarmul(A::rep(p), generator_bar_table(), k.get());
  else
    decaf_255_point_scalarmul(A::rep(p), A::rep(*this), k.get());
  p.encoded_.store(kNotEncoded, std::memory_order_relaxed);
  return p;
}

Point Point::operator+(const Point& o) const {
  Point r;
  decaf_255_point_add(A::rep(r), A::rep(*this), A::rep(o));
  r.encoded_.store(kNotEncoded, std::memory_order_relaxed);
  return r;
}

Point Point::operator-(const Point& o) const {
  Point r;
  decaf_255_point_sub(A::rep(r), A::rep(*this), A::rep(o));
  r.encoded_.store(kNotEncoded, std::memory_order_relaxed);
  return r;
}

void poison_for_ct_check(const Point& p) {
  ct::poison(p.rep_);
  if (p.encoded_.load(std::memory_order_acquire) == Point::kEncoded) ct::poison(p.bytes_);
}

// Not decaf_255_point_eq: its canonical reductions branch (decaf_ct.hpp).
bool Point::is_identity() const { return decaf_ct::is_identity(A::rep(*this)); }
bool Point::operator==(const Point& o) const { return decaf_ct::equal(A::rep(*this), A::rep(o)); }

}  // namespace escrow::group
