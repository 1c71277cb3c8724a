#include "escrow/translog.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <bit>
#include <charconv>
#include <cstdlib>

#include "escrow/domain.hpp"
#include "escrow/signature.hpp"
#include "escrow/wire.hpp"

namespace escrow::translog {
namespace {

// The largest power of two strictly smaller than n (n >= 2): RFC 9162's split point k.
uint64_t split(uint64_t n) {
  uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

Hash sha256(uint8_t prefix, std::span<const uint8_t> a, std::span<const uint8_t> b = {}) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, a.data(), a.size());
  crypto_hash_sha256_update(&st, b.data(), b.size());
  Hash out{};
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

void path(std::span<const Hash> d, uint64_t m, std::vector<Hash>& out) {
  if (d.size() <= 1) return;
  const uint64_t k = split(d.size());
  if (m < k) {
    path(d.first(k), m, out);
    out.push_back(root(d.subspan(k)));
  } else {
    path(d.subspan(k), m - k, out);
    out.push_back(root(d.first(k)));
  }
}

// SUBPROOF(m, D[0:n], b) of §2.1.4.1.
void subproof(uint64_t m, std::span<const Hash> d, bool complete, std::vector<Hash>& out) {
  const uint64_t n = d.size();
  if (m == n) {
    if (!complete) out.push_back(root(d));
    return;
  }
  const uint64_t k = split(n);
  if (m <= k) {
    subproof(m, d.first(k), complete, out);
    out.push_back(root(d.subspan(k)));
  } else {
    subproof(m - k, d.subspan(k), false, out);
    out.push_back(root(d.first(k)));
  }
}

}  // namespace

Hash leaf_hash(std::span<const uint8_t> entry) { return sha256(0x00, entry); }
Hash node_hash(const Hash& left, const Hash& right) { return sha256(0x01, left, right); }

Hash root(std::span<const Hash> leaves) {
  if (leaves.empty()) {
    Hash out{};
    crypto_hash_sha256(out.data(), nullptr, 0);
    return out;
  }
  if (leaves.size() == 1) return leaves[0];
  const uint64_t k = split(leaves.size());
  return node_hash(root(leaves.first(k)), root(leaves.subspan(k)));
}

void Frontier::append(const Hash& leaf) {
  // Like binary increment: each trailing 1 bit of size_ merges a peak into its right neighbour.
  Hash carry = leaf;
  for (uint64_t s = size_; s & 1; s >>= 1) {
    carry = node_hash(peaks_.back(), carry);
    peaks_.pop_back();
  }
  peaks_.push_back(carry);
  ++size_;
}

Hash Frontier::root() const {
  if (peaks_.empty()) return translog::root({});
  // MTH of a tree whose size is a sum of powers of two: fold the peaks from the right.
  Hash acc = peaks_.back();
  for (auto it = peaks_.rbegin() + 1; it != peaks_.rend(); ++it) acc = node_hash(*it, acc);
  return acc;
}

void Tree::append(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  // Like binary increment: a level with an even count just completed a pair, whose parent
  // completes one level up.
  for (std::size_t l = 0; levels_[l].size() % 2 == 0; ++l) {
    if (l + 1 == levels_.size()) levels_.emplace_back();
    const auto& level = levels_[l];
    const Hash parent = node_hash(level[level.size() - 2], level.back());
    levels_[l + 1].push_back(parent);
  }
}

void Tree::resize(uint64_t n) {
  if (n > size()) std::abort();  // misuse: a rollback never grows the log
  // Level l keeps the subtrees of 2^l leaves that lie wholly inside the first n leaves.
  for (std::size_t l = 0; l < levels_.size(); ++l) levels_[l].resize(n >> l);
}

Hash Tree::subtree(uint64_t start, uint64_t n) const {
  // A perfect, aligned subtree is stored; otherwise split as MTH does (k = largest power of two
  // < n): the left part is perfect, the right part is again a right-edge subtree.
  if ((n & (n - 1)) == 0) {
    const auto l = static_cast<std::size_t>(std::countr_zero(n));
    return levels_[l][start >> l];
  }
  const uint64_t k = split(n);
  return node_hash(subtree(start, k), subtree(start + k, n - k));
}

Hash Tree::root() const { return size() == 0 ? translog::root({}) : subtree(0, size()); }

Result<Hash> Tree::root(uint64_t n) const {
  if (n > size()) return fail(ErrorCategory::malformed, "translog::Tree::root", "size beyond the tree");
  return n == 0 ? translog::root({}) : subtree(0, n);
}

// PATH(m, D[start : start + n]), as path() above.
void Tree::path(uint64_t m, uint64_t start, uint64_t n, std::vector<Hash>& out) const {
  if (n <= 1) return;
  const uint64_t k = split(n);
  if (m < k) {
    path(m, start, k, out);
    out.push_back(subtree(start + k, n - k));
  } else {
    path(m - k, start + k, n - k, out);
    out.push_back(subtree(start, k));
  }
}

// SUBPROOF(m, D[start : start + n], b), as subproof() above.
void Tree::subproof(uint64_t m, uint64_t start, uint64_t n, bool complete, std::vector<Hash>& out) const {
  if (m == n) {
    if (!complete) out.push_back(subtree(start, n));
    return;
  }
  const uint64_t k = split(n);
  if (m <= k) {
    subproof(m, start, k, complete, out);
    out.push_back(subtree(start + k, n - k));
  } else {
    subproof(m - k, start + k, n - k, false, out);
    out.push_back(subtree(start, k));
  }
}

Result<std::vector<Hash>> Tree::inclusion_proof(uint64_t index, uint64_t n) const {
  if (n > size() || index >= n) return fail(ErrorCategory::malformed, "translog::Tree::inclusion_proof", "need index < size <= tree size");
  std::vector<Hash> out;
  path(index, 0, n, out);
  return out;
}

Result<std::vector<Hash>> Tree::consistency_proof(uint64_t old_size, uint64_t new_size) const {
  if (old_size == 0 || old_size > new_size || new_size > size())
    return fail(ErrorCategory::malformed, "translog::Tree::consistency_proof", "need 0 < old size <= new size <= tree size");
  std::vector<Hash> out;
  subproof(old_size, 0, new_size, true, out);
  return out;
}

Result<std::vector<Hash>> inclusion_proof(std::span<const Hash> leaves, uint64_t index) {
  if (index >= leaves.size()) return fail(ErrorCategory::malformed, "translog::inclusion_proof", "index beyond the tree");
  std::vector<Hash> out;
  path(leaves, index, out);
  return out;
}

Result<std::vector<Hash>> consistency_proof(std::span<const Hash> leaves, uint64_t old_size) {
  if (old_size == 0 || old_size > leaves.size())
    return fail(ErrorCategory::malformed, "translog::consistency_proof", "need 0 < old size <= size");
  std::vector<Hash> out;
  subproof(old_size, leaves, true, out);
  return out;
}

bool verify_inclusion(const Hash& leaf, uint64_t index, uint64_t size, std::span<const Hash> proof, const Hash& root_hash) {
  // RFC 9162 §2.1.3.2, step by step.
  if (index >= size) return false;
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = node_hash(p, r);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && sodium_memcmp(r.data(), root_hash.data(), r.size()) == 0;
}

bool verify_consistency(uint64_t old_size, uint64_t new_size, const Hash& old_root, const Hash& new_root,
                        std::span<const Hash> proof) {
  // RFC 9162 §2.1.4.2.
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty();  // the empty tree is a prefix of everything
  std::vector<Hash> p(proof.begin(), proof.end());
  if ((old_size & (old_size - 1)) == 0) p.insert(p.begin(), old_root);  // old tree is a power of two
  if (p.empty()) return false;
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = p[0], sr = p[0];
  for (std::size_t i = 1; i < p.size(); ++i) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = node_hash(p[i], fr);
      sr = node_hash(p[i], sr);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      sr = node_hash(sr, p[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

// ---- entries and tree heads ----

Result<Entry> Entry::make(uint64_t time, const std::array<uint8_t, 32>& request_hash, const std::array<uint8_t, 32>& warrant_hash,
                          const std::array<uint8_t, 32>& field_hash, uint8_t decision, std::string reason) {
  if (reason.size() > kMaxReasonBytes)
    return fail(ErrorCategory::malformed, "translog::Entry::make",
                fmt::format("reason is {} bytes, over the limit of {}", reason.size(), kMaxReasonBytes));
  return Entry{time, request_hash, warrant_hash, field_hash, decision, std::move(reason)};
}

std::vector<uint8_t> Entry::encode() const {
  wire::Writer w;
  const std::span<const uint8_t> words(reinterpret_cast<const uint8_t*>(reason.data()), reason.size());
  w.header(wire::ObjectType::log_entry).u64(time).bytes(request_hash).bytes(warrant_hash).bytes(field_hash).u8(decision).bytes_u8(words);
  return w.take();
}

Result<Entry> Entry::decode(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "translog::Entry::decode");
  r.header(wire::ObjectType::log_entry);
  Entry e;
  e.time = r.u64();
  e.request_hash = r.fixed<32>();
  e.warrant_hash = r.fixed<32>();
  e.field_hash = r.fixed<32>();
  e.decision = r.u8();
  auto words = r.bytes_u8();
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  e.reason.assign(words.begin(), words.end());
  return e;
}

std::vector<uint8_t> TreeHead::signed_part() const {
  wire::Writer w;
  w.header(wire::ObjectType::tree_head).u64(size).bytes(root).u64(timestamp);
  return w.take();
}

std::vector<uint8_t> TreeHead::encode() const {
  auto out = signed_part();
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

Result<TreeHead> TreeHead::decode(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "translog::TreeHead::decode");
  r.header(wire::ObjectType::tree_head);
  TreeHead h;
  h.size = r.u64();
  h.root = r.fixed<32>();
  h.timestamp = r.u64();
  h.signature = r.fixed<64>();
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return h;
}

void sign(TreeHead& head, const Secret<64>& key) {
  head.signature = signature::sign(domain::kTreeHeadSignature, head.signed_part(), key);
}

bool verify_signature(const TreeHead& head, const std::array<uint8_t, 32>& key) {
  return signature::verify(domain::kTreeHeadSignature, head.signed_part(), head.signature, key);
}

std::string counted_reason(std::string_view words, uint64_t count) {
  return count > 1 ? fmt::format("{} ({} fields)", words, count) : std::string(words);
}

uint64_t fields_counted(std::string_view reason) {
  constexpr std::string_view tail = " fields)";
  const auto open = reason.rfind(" (");
  if (!reason.ends_with(tail) || open == std::string_view::npos) return 1;
  const char* first = reason.data() + open + 2;
  const char* last = reason.data() + reason.size() - tail.size();
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(first, last, n);
  return ec == std::errc() && end == last && n > 1 ? n : 1;
}

}  // namespace escrow::translog
