#pragma once
// A user's known keys (SPEC §7.5): trust on first use of each correspondent's Ed25519 identity key.
// `receive` trusts the provider's directory for the key behind a sender's name (SPEC §7.4); a
// provider that swaps a key in its directory would pass that check. The first key seen for a name is
// pinned here; a later, different key for that name is refused until the user accepts it by its
// fingerprint (which they compare with the person out of band).
//
// File: JSON, {"format": "doormat-known-keys-v1", "keys": [{"name", "ed25519", "x25519"?}]}, names
// stored as account_name::printable (ASCII, one-to-one), keys as hex; x25519 only when learned from
// a .pub file (send).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/label.hpp"

namespace doormat::known_keys {

/// H_{doormat/v1/client/key-fingerprint}^16(ed25519), as 8 groups of 4 hex digits joined by ':'.
[[nodiscard]] std::string fingerprint(const escrow::IdentityKey& key);

struct Entry {
  std::string name;  ///< account_name::printable form
  escrow::IdentityKey ed25519{};
  std::optional<std::array<uint8_t, 32>> x25519{};
};

/// What a key seen for a name is, against the pins.
enum class Seen { first, known, changed };

class KnownKeys {
 public:
  /// A missing file is an empty set (the first run); a file that exists must parse completely.
  [[nodiscard]] static escrow::Result<KnownKeys> load(const std::string& path);
  /// Compares `ed25519` (and `x25519` when both sides have one) with the pin for `name`. `first`
  /// pins it; `changed` leaves the pin as it was.
  [[nodiscard]] Seen see(const std::string& name, const escrow::IdentityKey& ed25519,
                         const std::optional<std::array<uint8_t, 32>>& x25519 = std::nullopt);
  /// The pinned key of `name`, if any.
  [[nodiscard]] std::optional<Entry> pinned(const std::string& name) const;
  /// Replaces (or makes) the pin of `name`: what the user's explicit acceptance does.
  void pin(const std::string& name, const escrow::IdentityKey& ed25519, const std::optional<std::array<uint8_t, 32>>& x25519 = std::nullopt);
  /// Written atomically, and only when something was pinned since load.
  [[nodiscard]] escrow::Result<void> save_if_changed() const;
  [[nodiscard]] const std::string& path() const { return path_; }
  /// Every pin, in the file's order (what `inspect` lists).
  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::string path_;
  std::vector<Entry> entries_;
  bool changed_ = false;
};

}  // namespace doormat::known_keys
