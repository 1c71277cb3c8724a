#include "known_keys.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "account_name.hpp"
#include "fingerprint.hpp"
#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"

namespace doormat::known_keys {
using escrow::ErrorCategory;
using escrow::fail;
using nlohmann::json;

namespace {
constexpr std::string_view kFormat = "doormat-known-keys-v1";

std::optional<std::array<uint8_t, 32>> key_of(const json& j, const char* field) {
  if (!j.contains(field) || !j[field].is_string()) return std::nullopt;
  auto bytes = escrow::wire::from_hex(j[field].get<std::string>());
  if (!bytes || bytes->size() != 32) return std::nullopt;
  std::array<uint8_t, 32> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}
}  // namespace

std::string fingerprint(const escrow::IdentityKey& key) { return fingerprint::of(escrow::domain::kClientKeyFingerprint, key); }

escrow::Result<KnownKeys> KnownKeys::load(const std::string& path) {
  KnownKeys k;
  k.path_ = path;
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return k;  // no file yet: nothing pinned
  auto text = files::read_text(path);
  if (!text) return escrow::unexpected(text.error());
  const auto bad = [&](const std::string& why) {
    return fail(ErrorCategory::malformed, "known_keys::load", path + " is not a known-keys file (" + why + "); fix or move it away");
  };
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (!j.contains("format") || j["format"] != kFormat) return bad(std::string("format is not ") + std::string(kFormat));
  if (!j.contains("keys") || !j["keys"].is_array()) return bad("no keys array");
  for (const auto& e : j["keys"]) {
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) return bad("an entry without a name");
    Entry entry;
    entry.name = e["name"].get<std::string>();
    // Names are stored in their printable form (printable ASCII): anything else was not written here.
    const bool ascii = std::all_of(entry.name.begin(), entry.name.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (entry.name.empty() || !ascii) return bad("a name that is not in printable form");
    auto ed = key_of(e, "ed25519");
    if (!ed) return bad("the entry for " + entry.name + " has no 32-byte ed25519 key");
    entry.ed25519 = *ed;
    if (e.contains("x25519")) {
      entry.x25519 = key_of(e, "x25519");
      if (!entry.x25519) return bad("the entry for " + entry.name + " has a bad x25519 key");
    }
    if (k.pinned(entry.name)) return bad("two entries for " + entry.name);
    k.entries_.push_back(std::move(entry));
  }
  return k;
}

std::optional<Entry> KnownKeys::pinned(const std::string& name) const {
  const std::string shown = account_name::printable(name);
  for (const auto& e : entries_)
    if (e.name == shown) return e;
  return std::nullopt;
}

Seen KnownKeys::see(const std::string& name, const escrow::IdentityKey& ed25519, const std::optional<std::array<uint8_t, 32>>& x25519) {
  auto p = pinned(name);
  if (!p) {
    pin(name, ed25519, x25519);
    return Seen::first;
  }
  if (p->ed25519 != ed25519) return Seen::changed;
  if (x25519 && p->x25519 && *p->x25519 != *x25519) return Seen::changed;
  if (x25519 && !p->x25519) pin(name, ed25519, x25519);  // learnt the box key of a pinned name
  return Seen::known;
}

void KnownKeys::pin(const std::string& name, const escrow::IdentityKey& ed25519, const std::optional<std::array<uint8_t, 32>>& x25519) {
  const std::string shown = account_name::printable(name);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == shown; }), entries_.end());
  entries_.push_back(Entry{shown, ed25519, x25519});
  changed_ = true;
}

escrow::Result<void> KnownKeys::save_if_changed() const {
  if (!changed_) return {};
  json keys = json::array();
  for (const auto& e : entries_) {
    json j = {{"name", e.name}, {"ed25519", escrow::wire::to_hex(e.ed25519)}};
    if (e.x25519) j["x25519"] = escrow::wire::to_hex(*e.x25519);
    keys.push_back(std::move(j));
  }
  return files::write_text(path_, json{{"format", kFormat}, {"keys", keys}}.dump(2) + "\n");
}

}  // namespace doormat::known_keys
