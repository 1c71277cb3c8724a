// clipper: the Escrowed Encryption Standard's structure (1993) with AES-256 in SKIPJACK's place.
//
//   unit key KU per device, KU = KU1 xor KU2, the halves deposited with two escrow agents
//   family key KF, in every chip and every law-enforcement decrypt processor
//   LEAF = AES-256-CBC_KF(UID || AES-256-ECB_KU(K) || checksum || padding), checksum = the first
//          w bits of H(K, L) (w = 16 in 1993), checked by the receiving chip before it decrypts
//
// Lawful access: the decrypt processor opens the LEAF with KF, reads the UID, both agents check the
// warrant names that device's owner and release their halves. Nothing in the LEAF says when the
// session happened, so the unit key opens the device's traffic before and after the warrant.
#include <botan/block_cipher.h>
#include <fmt/format.h>

#include <map>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/schemes.hpp"

namespace escrow::schemes {
namespace {

constexpr std::size_t kLeafBytes = 48;
constexpr Properties kProperties{.key_generation = "dealer", .investigator_keeps_key = true};

using Key = Secret<32>;

// AES-256 with a fixed key. Botan 2's AES uses table lookups on the data (not constant time);
// acceptable for a historical design in an attack demo, not for Doormat's own keys.
class Aes {
 public:
  explicit Aes(std::span<const uint8_t, 32> key) : cipher_(Botan::BlockCipher::create_or_throw("AES-256")) {
    cipher_->set_key(key.data(), key.size());
  }
  void ecb_encrypt(std::span<uint8_t> data) const { cipher_->encrypt_n(data.data(), data.data(), data.size() / 16); }
  void ecb_decrypt(std::span<uint8_t> data) const { cipher_->decrypt_n(data.data(), data.data(), data.size() / 16); }
  void cbc_encrypt(std::span<uint8_t> data) const {  // zero IV
    for (std::size_t b = 16; b < data.size(); b += 16) {
      cipher_->encrypt(data.data() + b - 16);
      for (std::size_t j = 0; j < 16; ++j) data[b + j] ^= data[b - 16 + j];
    }
    cipher_->encrypt(data.data() + data.size() - 16);
  }
  void cbc_decrypt(std::span<uint8_t> data) const {
    for (std::size_t b = data.size(); b >= 16; b -= 16) {
      cipher_->decrypt(data.data() + b - 16);
      if (b >= 32)
        for (std::size_t j = 0; j < 16; ++j) data[b - 16 + j] ^= data[b - 32 + j];
    }
  }

 private:
  std::unique_ptr<Botan::BlockCipher> cipher_;
};

struct Leaf {
  uint32_t uid = 0;
  std::array<uint8_t, 32> wrapped_key{};
  std::array<uint8_t, 4> checksum{};
};

struct AgentRecord {
  uint32_t uid;
  Key half;
};

class Clipper final : public Scheme {
 public:
  Clipper(const Config& c, Rng& rng) : checksum_bits_(c.checksum_bits) {
    rng.fill(family_key_.expose());
    family_ = std::make_unique<Aes>(family_key_.expose());
  }
  std::string_view name() const override { return "clipper"; }
  const Properties& properties() const override { return kProperties; }
  std::size_t threshold() const override { return 2; }
  std::size_t trustees() const override { return 2; }

  // The programming facility makes a unit key for each new device and splits it for the agents.
  Result<std::vector<uint8_t>> escrow(const SessionKey& key, const SessionLabel& label, Rng& rng) override {
    auto it = units_.find(label.sender);
    if (it == units_.end()) {
      Unit u{static_cast<uint32_t>(0x00C1'0000 + units_.size()), {}};
      rng.fill(u.key.expose());
      Key h1, h2;
      rng.fill(h1.expose());
      for (std::size_t j = 0; j < 32; ++j) h2.expose()[j] = u.key.expose()[j] ^ h1.expose()[j];
      agents_[0][u.uid] = std::move(h1);
      agents_[1][u.uid] = std::move(h2);
      owners_[u.uid] = label.sender;
      it = units_.emplace(label.sender, std::move(u)).first;
    }
    std::array<uint8_t, kLeafBytes> leaf{};
    rng.fill(leaf);  // the padding stays random
    store_u32(leaf, it->second.uid);
    std::copy(key.expose().begin(), key.expose().end(), leaf.begin() + 4);
    Aes(it->second.key.expose()).ecb_encrypt(std::span(leaf).subspan(4, 32));
    const auto sum = checksum(key, label);
    for (std::size_t b = 0; b < 4; ++b) leaf[36 + b] = sum[b];
    family_->cbc_encrypt(leaf);
    return std::vector<uint8_t>(leaf.begin(), leaf.end());
  }
  // The receiving chip: open the LEAF with KF and compare the w-bit checksum. That is all it can check.
  Result<void> recipient_check(std::span<const uint8_t> field, const SessionKey& key,
                               const SessionLabel& label) const override {
    auto leaf = parse(field);
    if (!leaf) return escrow::unexpected(leaf.error());
    const auto sum = checksum(key, label);
    uint8_t diff = 0;
    for (std::size_t b = 0; b < 4; ++b) diff |= leaf->checksum[b] ^ sum[b];
    if (diff != 0) return fail(ErrorCategory::invalid_proof, "clipper::recipient_check", "LEAF checksum mismatch");
    return {};
  }
  Result<Answer> answer(PartyIndex i, std::span<const uint8_t> field, const SessionLabel&, const Scope& scope,
                        Conduct conduct, Rng&) const override {
    if (i.value() > 2) return fail(ErrorCategory::malformed, "clipper::answer", "two agents only");
    auto leaf = parse(field);
    if (!leaf) return escrow::unexpected(leaf.error());
    auto owner = owners_.find(leaf->uid);
    if (owner == owners_.end()) return fail(ErrorCategory::policy_denied, "clipper::answer", "no such unit");
    if (!scope.covers_identity(owner->second))
      return fail(ErrorCategory::policy_denied, "clipper::answer", "device not named in the warrant");
    const auto& half = agents_[i.value() - 1].at(leaf->uid);
    SecureBytes out(36);
    store_u32(out, leaf->uid);
    std::copy(half.expose().begin(), half.expose().end(), out.begin() + 4);
    if (conduct == Conduct::wrong_share) out[4] ^= 1;
    return Answer{i, std::move(out)};
  }
  Result<Recovered> combine(std::span<const uint8_t> field, const SessionLabel&, std::span<const Answer> answers,
                            const KeyCheck&) const override {
    auto leaf = parse(field);
    if (!leaf) return escrow::unexpected(leaf.error());
    std::vector<AgentRecord> records;
    for (const auto& a : answers) {
      auto r = parse_records(a.bytes);
      if (!r) return escrow::unexpected(r.error());
      for (auto& rec : *r) records.push_back(std::move(rec));
    }
    auto key = unwrap(*leaf, records);
    if (!key) return escrow::unexpected(key.error());
    return Recovered{std::move(*key), {}};
  }
  // An agent's whole database: every device's half.
  TrusteeSecret steal(PartyIndex i) const override {
    SecureBytes out;
    for (const auto& [uid, half] : agents_[i.value() - 1]) {
      const std::size_t at = out.size();
      out.resize(at + 36);
      store_u32(std::span(out).subspan(at, 4), uid);
      std::copy(half.expose().begin(), half.expose().end(), out.begin() + at + 4);
    }
    return {i, 0, std::move(out)};
  }
  // Both agents' databases rebuild every unit key; the family key is in every decrypt processor.
  Result<Decryptor> decryptor(std::span<const TrusteeSecret> stolen) const override {
    std::vector<AgentRecord> records;
    bool agent1 = false, agent2 = false;
    for (const auto& t : stolen) {
      auto r = parse_records(t.bytes);
      if (!r) return escrow::unexpected(r.error());
      agent1 |= t.index.value() == 1;
      agent2 |= t.index.value() == 2;
      for (auto& rec : *r) records.push_back(std::move(rec));
    }
    if (!agent1 || !agent2)
      return fail(ErrorCategory::not_enough_shares, "clipper::decryptor", "one agent's halves are uniformly random");
    auto shared = std::make_shared<std::vector<AgentRecord>>(std::move(records));
    return Decryptor([this, shared](const Session& s) -> Result<SessionKey> {
      auto leaf = parse(s.field);
      if (!leaf) return escrow::unexpected(leaf.error());
      return unwrap(*leaf, *shared);
    });
  }
  std::vector<TrusteeSecret> keygen_view() const override {  // the facility programmed every chip
    return {steal(*PartyIndex::make(1)), steal(*PartyIndex::make(2))};
  }

 private:
  struct Unit {
    uint32_t uid;
    Key key;
  };
  template <typename Span>
  static void store_u32(Span&& out, uint32_t v) {
    for (int b = 0; b < 4; ++b) out[b] = static_cast<uint8_t>(v >> (24 - 8 * b));
  }
  std::array<uint8_t, 4> checksum(const SessionKey& key, const SessionLabel& label) const {
    auto h = Hasher(domain::kClipperChecksum, 16).add(key.expose()).add(label.encode()).finish<16>();
    std::array<uint8_t, 4> out{};
    for (unsigned b = 0; b < checksum_bits_; ++b)
      if (h[b / 8] & (1u << (b % 8))) out[b / 8] |= static_cast<uint8_t>(1u << (b % 8));
    return out;
  }
  Result<Leaf> parse(std::span<const uint8_t> field) const {
    if (field.size() != kLeafBytes) return fail(ErrorCategory::malformed, "clipper", "LEAF is not 48 bytes");
    std::array<uint8_t, kLeafBytes> plain{};
    std::copy(field.begin(), field.end(), plain.begin());
    family_->cbc_decrypt(plain);
    Leaf leaf;
    leaf.uid = (uint32_t(plain[0]) << 24) | (uint32_t(plain[1]) << 16) | (uint32_t(plain[2]) << 8) | plain[3];
    std::copy(plain.begin() + 4, plain.begin() + 36, leaf.wrapped_key.begin());
    // Only the checksum's w bits count; the rest of its bytes are padding, as in the 128-bit LEAF.
    for (unsigned b = 0; b < checksum_bits_; ++b)
      if (plain[36 + b / 8] & (1u << (b % 8))) leaf.checksum[b / 8] |= static_cast<uint8_t>(1u << (b % 8));
    sodium_memzero(plain.data(), plain.size());
    return leaf;
  }
  static Result<std::vector<AgentRecord>> parse_records(std::span<const uint8_t> bytes) {
    if (bytes.size() % 36 != 0) return fail(ErrorCategory::malformed, "clipper", "agent records are 36 bytes each");
    std::vector<AgentRecord> out;
    for (std::size_t at = 0; at < bytes.size(); at += 36) {
      AgentRecord r{(uint32_t(bytes[at]) << 24) | (uint32_t(bytes[at + 1]) << 16) | (uint32_t(bytes[at + 2]) << 8) |
                        bytes[at + 3],
                    Key::from(bytes.subspan(at + 4).first<32>())};
      out.push_back(std::move(r));
    }
    return out;
  }
  // KU = KU1 xor KU2 from the two halves for the LEAF's device, then K = AES-ECB-dec_KU(wrapped).
  static Result<SessionKey> unwrap(const Leaf& leaf, const std::vector<AgentRecord>& records) {
    std::vector<const AgentRecord*> halves;
    for (const auto& r : records)
      if (r.uid == leaf.uid) halves.push_back(&r);
    if (halves.size() != 2)
      return fail(ErrorCategory::not_enough_shares, "clipper::unwrap", fmt::format("{} halves for the unit", halves.size()));
    Key ku;
    for (std::size_t j = 0; j < 32; ++j) ku.expose()[j] = halves[0]->half.expose()[j] ^ halves[1]->half.expose()[j];
    SessionKey key = SessionKey::from(std::span<const uint8_t, 32>(leaf.wrapped_key));
    Aes(ku.expose()).ecb_decrypt(key.expose());
    return key;
  }

  unsigned checksum_bits_;
  Key family_key_;
  std::unique_ptr<Aes> family_;
  std::map<std::string, Unit> units_;
  std::array<std::map<uint32_t, Key>, 2> agents_;
  std::map<uint32_t, std::string> owners_;
};

}  // namespace

std::unique_ptr<Scheme> make_clipper(const Config& config, Rng& rng) { return std::make_unique<Clipper>(config, rng); }

}  // namespace escrow::schemes
