#include "shared_key.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "escrow/hash.hpp"
#include "escrow/shamir.hpp"

namespace escrow::schemes {
using group::Point;
using group::Scalar;

Result<void> SharedKeyScheme::generate(const Config& config, bool dealer, dkg::Protocol protocol, Rng& rng) {
  if (dealer) {
    auto dealt = tdh2::deal(config.k, config.n, rng);
    if (!dealt) return escrow::unexpected(dealt.error());
    pk_ = dealt->public_key;
    shares_ = std::move(dealt->shares);
    for (uint32_t i = 1; i <= config.n; ++i) keygen_view_.push_back(steal(*PartyIndex::make(i)));
    return {};
  }
  auto outcomes = dkg::run_honest(protocol, config.k, config.n, rng);
  if (!outcomes) return escrow::unexpected(outcomes.error());
  pk_ = outcomes->front().public_key;
  for (auto& o : *outcomes) shares_.push_back(std::move(o.share));
  keygen_view_.push_back(steal(*PartyIndex::make(1)));  // a DKG party sees its own share, nothing more
  return {};
}

Result<void> SharedKeyScheme::refresh_shares(Rng& rng) {
  std::vector<std::pair<tdh2::PublicKey, tdh2::KeyShare>> previous;
  for (const auto& s : shares_) previous.emplace_back(pk_, s.clone());
  auto outcomes = dkg::run_honest(dkg::Protocol::refresh, pk_.k, pk_.n, rng, previous);
  if (!outcomes) return escrow::unexpected(outcomes.error());
  pk_ = outcomes->front().public_key;
  shares_.clear();
  for (auto& o : *outcomes) shares_.push_back(std::move(o.share));
  return {};
}

TrusteeSecret SharedKeyScheme::steal(PartyIndex i) const {
  const auto& s = share(i);
  return {i, s.epoch(), s.encode()};
}

Result<Decryptor> SharedKeyScheme::decryptor(std::span<const TrusteeSecret> stolen) const {
  // An attacker takes k shares of one epoch when it has them; otherwise it interpolates the latest
  // distinct ones it has and finds out that shares of different epochs rebuild nothing.
  std::map<uint32_t, std::map<PartyIndex, Scalar>> by_epoch;
  for (const auto& t : stolen) {
    auto s = tdh2::KeyShare::decode(t.bytes);
    if (!s) return escrow::unexpected(s.error());
    by_epoch[s->epoch()][s->index()] = s->expose_secret();
  }
  std::map<PartyIndex, Scalar> chosen;
  for (auto it = by_epoch.rbegin(); it != by_epoch.rend() && chosen.empty(); ++it)
    if (it->second.size() >= pk_.k) chosen = it->second;
  for (auto it = by_epoch.rbegin(); it != by_epoch.rend() && chosen.size() < pk_.k; ++it)
    for (const auto& [i, x] : it->second)
      if (chosen.size() < pk_.k) chosen.emplace(i, x);
  while (chosen.size() > pk_.k) chosen.erase(std::prev(chosen.end()));
  if (chosen.size() < pk_.k)
    return fail(ErrorCategory::not_enough_shares, "schemes::decryptor",
                fmt::format("{} distinct shares of {} needed", chosen.size(), int(pk_.k)));
  std::vector<shamir::Share> shares;
  for (const auto& [i, x] : chosen) shares.push_back({i, x});
  auto x = shamir::reconstruct(shares);
  if (!x) return escrow::unexpected(x.error());
  return Decryptor([this, x = *x](const Session& s) { return open_with_master(x, s); });
}

std::vector<uint8_t> ElGamalField::encode() const {
  std::vector<uint8_t> out(u.to_bytes().begin(), u.to_bytes().end());
  out.insert(out.end(), c.begin(), c.end());
  return out;
}

Result<ElGamalField> ElGamalField::decode(std::span<const uint8_t> bytes, std::string_view scheme) {
  if (bytes.size() != 64) return fail(ErrorCategory::malformed, scheme, "field is not 64 bytes");
  auto u = Point::from_bytes(bytes.first(32));
  if (!u) return escrow::unexpected(u.error());
  ElGamalField f{*u, {}};
  std::copy(bytes.begin() + 32, bytes.end(), f.c.begin());
  return f;
}

SessionKey apply_mask(std::string_view tag, std::span<const uint8_t, 32> c, const Point& shared,
                  std::span<const uint8_t> label) {
  Hasher h(tag, 32);
  h.add(shared.to_bytes());
  if (!label.empty()) h.add(label);
  SessionKey key;
  h.finish(key.expose());
  for (std::size_t i = 0; i < 32; ++i) key.expose()[i] ^= c[i];
  return key;
}

Result<Point> interpolate_partials(std::span<const tdh2::PartialDecryption> partials) {
  std::vector<PartyIndex> idx;
  std::vector<Point> points;
  for (const auto& p : partials) {
    idx.push_back(p.index);
    points.push_back(p.u_i);
  }
  return shamir::interpolate_in_exponent(idx, points);
}

Result<Point> interpolate_answers(std::span<const Answer> answers) {
  std::vector<tdh2::PartialDecryption> partials;
  for (const auto& a : answers) {
    auto pd = tdh2::PartialDecryption::decode(a.bytes);
    if (!pd) return escrow::unexpected(pd.error());
    partials.push_back(*pd);
  }
  return interpolate_partials(partials);
}

SessionKey withhold_bits(const SessionKey& key, unsigned bits) {
  auto out = SessionKey::from(key.expose());
  for (unsigned b = 0; b < bits; ++b) out.expose()[b / 8] &= static_cast<uint8_t>(~(1u << (b % 8)));
  return out;
}

Result<SessionKey> complete_by_search(const SessionKey& partial_key, unsigned bits, const KeyCheck& opens) {
  auto candidate = SessionKey::from(partial_key.expose());
  for (uint64_t guess = 0; guess < (uint64_t{1} << bits); ++guess) {
    for (unsigned b = 0; b < bits; b += 8) {
      const unsigned width = std::min(8u, bits - b);
      const uint8_t mask = static_cast<uint8_t>((1u << width) - 1);
      auto& byte = candidate.expose()[b / 8];
      byte = static_cast<uint8_t>((byte & ~mask) | ((guess >> b) & mask));
    }
    if (opens(candidate)) return candidate;
  }
  return fail(ErrorCategory::decryption_failed, "schemes::complete_by_search", "decryption failed");
}

}  // namespace escrow::schemes
