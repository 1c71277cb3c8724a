// A public key's fixed-base tables (tdh2.hpp, KeyTables): built on first use and kept while the
// key's points are the ones they were built from. Everything here is public.
#include <vector>

#include "escrow/tdh2.hpp"

namespace escrow::tdh2 {
using group::FixedBase;

FixedBase KeyTables::y(const PublicKey& pk) const {
  auto table = y_.load(std::memory_order_acquire);
  if (!table || !(table->point() == pk.y)) {
    table = std::make_shared<const FixedBase>(pk.y);
    y_.store(table, std::memory_order_release);
  }
  return *table;
}

FixedBase KeyTables::verification_key(const PublicKey& pk, PartyIndex i) const {
  const std::size_t at = i.value() - 1;
  auto tables = keys_.load(std::memory_order_acquire);
  if (!tables || tables->size() != pk.verification_keys.size() || !((*tables)[at].point() == pk.verification_keys[at])) {
    auto fresh = std::make_shared<std::vector<FixedBase>>();
    fresh->reserve(pk.verification_keys.size());
    for (const auto& yi : pk.verification_keys) fresh->emplace_back(yi);
    tables = std::move(fresh);
    keys_.store(tables, std::memory_order_release);
  }
  return (*tables)[at];
}

}  // namespace escrow::tdh2
