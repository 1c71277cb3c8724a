#pragma once
// PRIVATE to the libdecaf backend (lib/group/*_decaf.cpp): a Point's libdecaf representation, and
// a Doormat Scalar as libdecaf's. group.hpp keeps the point opaque so that <decaf/point_255.h> is
// not on every consumer's include path; the files of the backend reach it through here.
#include <decaf/point_255.h>

#include "escrow/group.hpp"

namespace escrow::group {

// The opaque storage in group.hpp must hold a decaf_255_point_t exactly.
static_assert(sizeof(decaf_255_point_t) == 256, "group.hpp's Point::rep_ must match decaf_255_point_t");
static_assert(alignof(decaf_255_point_t) <= 32, "group.hpp's Point::rep_ must be aligned for decaf_255_point_t");
static_assert(sizeof(decaf_255_scalar_t) == kScalarBytes);

struct DecafAccess {
  static decaf_255_point_s* rep(Point& p) { return reinterpret_cast<decaf_255_point_s*>(p.rep_.data()); }
  static const decaf_255_point_s* rep(const Point& p) { return reinterpret_cast<const decaf_255_point_s*>(p.rep_.data()); }
  /// After writing rep(p): its cached encoding no longer applies (computed again on demand).
  static void mark_unencoded(Point& p) { p.encoded_.store(Point::kNotEncoded, std::memory_order_relaxed); }
};

// A Doormat Scalar (32 canonical little-endian bytes) as libdecaf's scalar, wiped when it goes.
// scalar_decode's result is ignored: every Scalar is canonical (group.cpp reduces or checks it),
// and the decode is constant time either way.
class DecafScalar {
 public:
  explicit DecafScalar(const Scalar& s) {
    const decaf_error_t canonical = decaf_255_scalar_decode(s_, s.to_bytes().data());
    (void)canonical;
  }
  ~DecafScalar() { decaf_255_scalar_destroy(s_); }
  DecafScalar(const DecafScalar&) = delete;
  DecafScalar& operator=(const DecafScalar&) = delete;
  const decaf_255_scalar_s* get() const { return s_; }

 private:
  decaf_255_scalar_t s_;
};

}  // namespace escrow::group
