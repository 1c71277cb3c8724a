// naive-shamir: one master key, Shamir-split by the dealer who made it. The field is a hashed
// ElGamal encryption of K to Y bound to the label; on a warrant each trustee checks the scope and
// hands its share over, and the investigator rebuilds x — and keeps it.
#include <algorithm>
#include <bit>
#include <optional>

#include "escrow/domain.hpp"
#include "escrow/shamir.hpp"
#include "escrow/wire.hpp"
#include "shared_key.hpp"

namespace escrow::schemes {
namespace {
using group::Point;
using group::Scalar;

constexpr Properties kProperties{.key_generation = "dealer",
                                 .label_bound = true,
                                 .investigator_keeps_key = true};

Result<ElGamalField> parse(std::span<const uint8_t> bytes) { return ElGamalField::decode(bytes, "naive-shamir"); }

class NaiveShamir final : public SharedKeyScheme {
 public:
  Result<void> init(const Config& c, Rng& rng) { return generate(c, true, dkg::Protocol::joint_feldman, rng); }
  std::string_view name() const override { return "naive-shamir"; }
  const Properties& properties() const override { return kProperties; }

  Result<std::vector<uint8_t>> escrow(const SessionKey& key, const SessionLabel& label, Rng& rng) override {
    const Scalar r = Scalar::random(rng);
    ElGamalField f{Point::base_mul(r), {}};
    const auto c = apply_mask(domain::kNaiveShamirMask, key.expose(), pk_.y * r, label.encode());  // K xor H(rY, L)
    std::copy(c.expose().begin(), c.expose().end(), f.c.begin());
    return f.encode();
  }
  Result<void> recipient_check(std::span<const uint8_t> field, const SessionKey&, const SessionLabel&) const override {
    auto f = parse(field);  // r is random: the recipient can check the encoding, not what it hides
    if (!f) return escrow::unexpected(f.error());
    return {};
  }
  Result<Answer> answer(PartyIndex i, std::span<const uint8_t> field, const SessionLabel& label, const Scope& scope,
                        Conduct conduct, Rng&) const override {
    if (!parse(field)) return fail(ErrorCategory::malformed, "naive-shamir::answer", "bad field");
    if (!scope.covers(label)) return fail(ErrorCategory::policy_denied, "naive-shamir::answer", "session outside the warrant");
    if (conduct != Conduct::wrong_share) return Answer{i, share(i).encode()};
    const tdh2::KeyShare wrong(i, share(i).epoch(), group::SecretScalar(share(i).expose_secret() + Scalar::from_u64(1)));
    return Answer{i, wrong.encode()};
  }
  Result<Recovered> combine(std::span<const uint8_t> field, const SessionLabel& label, std::span<const Answer> answers,
                            const KeyCheck& opens) const override {
    // The investigator rebuilds x. Nothing in a share tells a wrong one from a right one, but the
    // session does: with more than k answers it tries every k-subset against the AEAD (`opens`)
    // and blames whoever is left out of every subset that opens. With exactly k answers, or no
    // check, it has one candidate and nobody to blame.
    std::vector<shamir::Share> shares;
    for (const auto& a : answers) {
      auto s = tdh2::KeyShare::decode(a.bytes);
      if (!s) return escrow::unexpected(s.error());
      shares.push_back({s->index(), s->expose_secret()});
    }
    const Session session{label, {field.begin(), field.end()}, {}, {}};
    const std::size_t k = std::min(shares.size(), std::size_t(pk_.k));
    const auto key_from = [&](std::span<const shamir::Share> subset) -> Result<SessionKey> {
      auto x = shamir::reconstruct(subset);
      if (!x) return escrow::unexpected(x.error());
      return open_with_master(*x, session);
    };
    if (!opens || shares.size() <= k) {
      auto key = key_from(std::span(shares).first(k));
      if (!key) return escrow::unexpected(key.error());
      return Recovered{std::move(*key), {}};
    }
    // Subsets as bit masks over the answers (k + 1 of them in practice; capped so that a flood
    // of answers cannot turn this into an exponential loop).
    if (shares.size() > 16) return fail(ErrorCategory::malformed, "naive-shamir::combine", "too many answers to try subsets");
    std::optional<SessionKey> found;
    std::vector<bool> in_an_opening_subset(shares.size(), false);
    for (uint32_t mask = 0; mask < (1u << shares.size()); ++mask) {
      if (static_cast<std::size_t>(std::popcount(mask)) != k) continue;
      std::vector<shamir::Share> subset;
      for (std::size_t j = 0; j < shares.size(); ++j)
        if (mask & (1u << j)) subset.push_back(shares[j]);
      auto key = key_from(subset);
      if (!key || !opens(*key)) continue;
      for (std::size_t j = 0; j < shares.size(); ++j)
        if (mask & (1u << j)) in_an_opening_subset[j] = true;
      if (!found) found = SessionKey::from(key->expose());
    }
    if (!found) return fail(ErrorCategory::decryption_failed, "naive-shamir::combine", "decryption failed");
    std::vector<PartyIndex> blamed;
    for (std::size_t j = 0; j < shares.size(); ++j)
      if (!in_an_opening_subset[j]) blamed.push_back(answers[j].index);
    return Recovered{std::move(*found), std::move(blamed)};
  }
 protected:
  Result<SessionKey> open_with_master(const Scalar& x, const Session& s) const override {
    auto f = parse(s.field);
    if (!f) return escrow::unexpected(f.error());
    return apply_mask(domain::kNaiveShamirMask, f->c, f->u * x, s.label.encode());
  }
};

}  // namespace

Result<std::unique_ptr<Scheme>> make_naive_shamir(const Config& config, Rng& rng) {
  auto s = std::make_unique<NaiveShamir>();
  if (auto r = s->init(config, rng); !r) return escrow::unexpected(r.error());
  return std::unique_ptr<Scheme>(std::move(s));
}

}  // namespace escrow::schemes
