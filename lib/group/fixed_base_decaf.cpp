// FixedBase under libdecaf (group.hpp): a table of P's multiples, multiplied in constant time by
// libdecaf's decaf_255_precomputed_scalarmul (the same code as its s·G, on which every secret
// s·G already runs; tests/ct/ follows it with the scalar marked secret).
#include <decaf/point_255.h>

#include <cstdlib>

#include "decaf_access.hpp"
#include "escrow/group.hpp"

namespace escrow::group {

struct FixedBase::Table {
  decaf_255_precomputed_s* t = nullptr;
  Table() {
    // libdecaf gives the size and alignment at run time; aligned_alloc wants a multiple of the latter.
    const std::size_t align = decaf_255_alignof_precomputed_s;
    const std::size_t size = (decaf_255_sizeof_precomputed_s + align - 1) / align * align;
    t = static_cast<decaf_255_precomputed_s*>(std::aligned_alloc(align, size));
    if (t == nullptr) std::abort();
  }
  ~Table() {
    decaf_255_precomputed_destroy(t);  // wipes it: a table of a public point, but cheap
    std::free(t);
  }
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
};

FixedBase::FixedBase(const Point& p) : point_(p) {
  auto table = std::make_shared<Table>();
  decaf_255_precompute(table->t, DecafAccess::rep(point_));
  table_ = std::move(table);
}

Point FixedBase::mul(const Scalar& s) const {
  Point out;
  const DecafScalar k(s);
  decaf_255_precomputed_scalarmul(DecafAccess::rep(out), table_->t, k.get());
  DecafAccess::mark_unencoded(out);
  return out;
}

}  // namespace escrow::group
