#pragma once
/// Merkle tree hashing, inclusion and consistency proofs of RFC 9162 §2.1 (Certificate
/// Transparency v2), with SHA-256 as the RFC's logs use, so standard CT tooling can check a
/// trustee's log (SPEC §11.3). Pure functions over leaf hashes: storage lives in the trustee.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/secret.hpp"

namespace escrow::translog {

using Hash = std::array<uint8_t, 32>;

/// SHA-256(0x00 || entry)
[[nodiscard]] Hash leaf_hash(std::span<const uint8_t> entry);
/// SHA-256(0x01 || left || right)
[[nodiscard]] Hash node_hash(const Hash& left, const Hash& right);
/// MTH(D[0:n]) over leaf hashes; the empty tree's root is SHA-256("").
[[nodiscard]] Hash root(std::span<const Hash> leaves);

/// The right edge of a growing tree: the roots of its perfect subtrees, largest first. Appending
/// costs O(log n) and the root O(log n), so a log signs fresh heads without rehashing everything.
/// root() equals translog::root() of the same leaves.
class Frontier {
 public:
  void append(const Hash& leaf);
  [[nodiscard]] Hash root() const;
  [[nodiscard]] uint64_t size() const { return size_; }

 private:
  std::vector<Hash> peaks_;  // one per set bit of size_, from the highest bit down
  uint64_t size_ = 0;
};

/// A log's leaves with the hash of every complete subtree, by level, so that a root, an
/// inclusion proof and a consistency proof for any size up to the current one read O(log n)
/// stored hashes instead of rehashing all leaves (about 2n hashes in memory).
///
/// Level l holds MTH of each aligned perfect subtree of 2^l leaves whose last leaf is present:
/// level[l][i] = MTH(D[i * 2^l : (i + 1) * 2^l]). Every subtree RFC 9162's recursion visits is
/// either one of these or a right-edge subtree D[a : a + n] (a a multiple of the next power of two
/// >= n), whose hash is folded from the O(log n) perfect subtrees it splits into. A proof crosses
/// at most one such right-edge subtree, so it costs O(log n) hashes. The results equal the pure
/// functions below over the same leaves (tests/translog_test.cpp checks every size up to 70).
class Tree {
 public:
  /// Adds a leaf hash, and the hash of every perfect subtree it completes: O(1) amortised.
  void append(const Hash& leaf);
  [[nodiscard]] uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  /// Drops the leaves after the first `n`, and every subtree hash over them: how a log forgets
  /// appends whose transaction did not commit. Aborts if n > size() (growing is append()).
  void resize(uint64_t n);
  /// The i-th leaf hash; needs i < size().
  [[nodiscard]] const Hash& leaf(uint64_t i) const { return levels_[0][i]; }

  /// MTH(D[0:size()]).
  [[nodiscard]] Hash root() const;
  /// MTH(D[0:size]); refuses size > size().
  [[nodiscard]] Result<Hash> root(uint64_t size) const;
  /// PATH(index, D[0:size]) (§2.1.3.1); refuses index >= size and size > size().
  [[nodiscard]] Result<std::vector<Hash>> inclusion_proof(uint64_t index, uint64_t size) const;
  /// PROOF(old_size, D[0:new_size]) (§2.1.4.1); needs 0 < old_size <= new_size <= size().
  [[nodiscard]] Result<std::vector<Hash>> consistency_proof(uint64_t old_size, uint64_t new_size) const;

 private:
  /// MTH(D[start : start + n]) for a subtree of the RFC recursion (n >= 1).
  [[nodiscard]] Hash subtree(uint64_t start, uint64_t n) const;
  void path(uint64_t m, uint64_t start, uint64_t n, std::vector<Hash>& out) const;
  void subproof(uint64_t m, uint64_t start, uint64_t n, bool complete, std::vector<Hash>& out) const;
  std::vector<std::vector<Hash>> levels_;  // levels_[0]: the leaves
};

/// PATH(m, D[0:n]) (RFC 9162 §2.1.3.1). Refuses m >= n.
[[nodiscard]] Result<std::vector<Hash>> inclusion_proof(std::span<const Hash> leaves, uint64_t index);
/// PROOF(m, D[0:n]) (§2.1.4.1) for the first `old_size` leaves. Needs 0 < old_size <= n.
[[nodiscard]] Result<std::vector<Hash>> consistency_proof(std::span<const Hash> leaves, uint64_t old_size);

/// §2.1.3.2: does `leaf` sit at `index` of the tree of `size` leaves whose root is `root`?
[[nodiscard]] bool verify_inclusion(const Hash& leaf, uint64_t index, uint64_t size, std::span<const Hash> proof,
                                    const Hash& root);
/// §2.1.4.2: is the tree (old_size, old_root) a prefix of (new_size, new_root)?
[[nodiscard]] bool verify_consistency(uint64_t old_size, uint64_t new_size, const Hash& old_root, const Hash& new_root,
                                      std::span<const Hash> proof);

inline constexpr std::size_t kMaxReasonBytes = 255;

/// A field decision standing for `count` fields of one request (SPEC §11.3: identical fields are
/// decided once, a request's malformed fields share one entry): `words` and, when count > 1,
/// " (N fields)".
[[nodiscard]] std::string counted_reason(std::string_view words, uint64_t count);
/// How many fields an entry's reason says it stands for: N for a reason ending " (N fields)", else 1.
[[nodiscard]] uint64_t fields_counted(std::string_view reason);

/// One decision in a trustee's log (SPEC §11.3): the leaf data the Merkle tree hashes.
struct Entry {
  uint64_t time = 0;
  std::array<uint8_t, 32> request_hash{};
  std::array<uint8_t, 32> warrant_hash{};  ///< zeros when the request was refused before the warrant parsed
  std::array<uint8_t, 32> field_hash{};    ///< zeros for a decision about the whole request
  uint8_t decision = 0;                    ///< 0 issued; otherwise a refusal code (request::FieldStatus or 0x80+)
  std::string reason;                      ///< public words, at most 255 bytes

  /// An entry whose reason fits its u8 prefix; a longer reason is refused (malformed), never cut.
  [[nodiscard]] static Result<Entry> make(uint64_t time, const std::array<uint8_t, 32>& request_hash,
                                          const std::array<uint8_t, 32>& warrant_hash,
                                          const std::array<uint8_t, 32>& field_hash, uint8_t decision, std::string reason);
  /// Aborts on a reason over 255 bytes (see wire::Writer): build entries with make(), or bound
  /// the reason first as the trustee's log does.
  [[nodiscard]] std::vector<uint8_t> encode() const;
  [[nodiscard]] static Result<Entry> decode(std::span<const uint8_t> bytes);
};

/// A trustee's signed statement of its log's size and root (SPEC §11.4).
struct TreeHead {
  uint64_t size = 0;
  Hash root{};
  uint64_t timestamp = 0;
  std::array<uint8_t, 64> signature{};

  [[nodiscard]] std::vector<uint8_t> signed_part() const;
  [[nodiscard]] std::vector<uint8_t> encode() const;
  [[nodiscard]] static Result<TreeHead> decode(std::span<const uint8_t> bytes);
};

void sign(TreeHead& head, const Secret<64>& trustee_signing_key);
[[nodiscard]] bool verify_signature(const TreeHead& head, const std::array<uint8_t, 32>& trustee_key);

}  // namespace escrow::translog
