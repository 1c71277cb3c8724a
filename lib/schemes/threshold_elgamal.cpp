// threshold-elgamal: hashed ElGamal to a Joint-Feldman key, threshold decryption with DLEQ
// proofs on every partial — and nothing else. The label travels beside the field but is not
// bound to it, and nothing proves a field well formed, so a trustee decrypts whatever u it is
// shown under whatever label it is told (the gap TDH2 closes).
#include <fmt/format.h>

#include <algorithm>

#include "escrow/dleq.hpp"
#include "escrow/domain.hpp"
#include "shared_key.hpp"

namespace escrow::schemes {
namespace {
using group::Point;
using group::Scalar;

Result<ElGamalField> parse(std::span<const uint8_t> bytes) { return ElGamalField::decode(bytes, "threshold-elgamal"); }

std::array<uint8_t, 1> context(PartyIndex i) { return {i.value()}; }

class ThresholdElGamal final : public SharedKeyScheme {
 public:
  explicit ThresholdElGamal(bool dealer)
      : properties_{.key_generation = dealer ? "dealer" : "joint-feldman", .partial_proofs = true} {}
  Result<void> init(const Config& c, Rng& rng) { return generate(c, c.dealer, dkg::Protocol::joint_feldman, rng); }
  std::string_view name() const override { return "threshold-elgamal"; }
  const Properties& properties() const override { return properties_; }

  Result<std::vector<uint8_t>> escrow(const SessionKey& key, const SessionLabel&, Rng& rng) override {
    const Scalar r = Scalar::random(rng);
    ElGamalField f{Point::base_mul(r), {}};
    const auto c = apply_mask(domain::kElGamalMask, key.expose(), pk_.y * r);
    std::copy(c.expose().begin(), c.expose().end(), f.c.begin());
    return f.encode();
  }
  Result<void> recipient_check(std::span<const uint8_t> field, const SessionKey&, const SessionLabel&) const override {
    auto f = parse(field);
    if (!f) return escrow::unexpected(f.error());
    return {};
  }
  // The trustee checks the label it is *told*; nothing ties that label to u.
  Result<Answer> answer(PartyIndex i, std::span<const uint8_t> field, const SessionLabel& label, const Scope& scope,
                        Conduct conduct, Rng& rng) const override {
    auto f = parse(field);
    if (!f) return escrow::unexpected(f.error());
    if (!scope.covers(label)) return fail(ErrorCategory::policy_denied, "threshold-elgamal::answer", "session outside the warrant");
    Scalar x = share(i).expose_secret();
    if (conduct == Conduct::wrong_share) x = x + Scalar::from_u64(1);
    tdh2::PartialDecryption pd{i, pk_.epoch, f->u * x, {}, {}};
    const auto ctx = context(i);
    const auto proof = dleq::prove(domain::kElGamalPartialProof, {ctx},
                                   {Point::generator(), pk_.verification_key(i), f->u, pd.u_i}, x, rng);
    pd.e_i = proof.challenge;
    pd.f_i = proof.response;
    const auto bytes = pd.encode();
    return Answer{i, SecureBytes(bytes.begin(), bytes.end())};
  }
  Result<Recovered> combine(std::span<const uint8_t> field, const SessionLabel&, std::span<const Answer> answers,
                            const KeyCheck&) const override {
    auto f = parse(field);
    if (!f) return escrow::unexpected(f.error());
    std::vector<tdh2::PartialDecryption> valid;
    std::vector<PartyIndex> blamed;
    for (const auto& a : answers) {
      auto pd = tdh2::PartialDecryption::decode(a.bytes);
      const auto ctx = context(a.index);
      if (pd && pd->index == a.index && pd->index.value() <= pk_.n &&
          dleq::verify(domain::kElGamalPartialProof, {ctx},
                       {Point::generator(), pk_.verification_key(pd->index), f->u, pd->u_i}, {pd->e_i, pd->f_i}))
        valid.push_back(*pd);
      else
        blamed.push_back(a.index);
    }
    if (valid.size() < pk_.k)
      return fail(ErrorCategory::not_enough_shares, "threshold-elgamal::combine",
                  fmt::format("{} valid of {} needed", valid.size(), int(pk_.k)), blamed);
    valid.erase(valid.begin() + pk_.k, valid.end());
    auto xu = interpolate_partials(valid);
    if (!xu) return escrow::unexpected(xu.error());
    return Recovered{apply_mask(domain::kElGamalMask, f->c, *xu), blamed};
  }
  std::optional<Mauled> maul(std::span<const uint8_t> field, const SessionLabel&, Rng& rng) const override {
    auto f = parse(field);
    if (!f) return std::nullopt;
    const Scalar b = Scalar::random(rng);
    f->u = f->u + Point::base_mul(b);  // u' = (r + b)G: a field no trustee has seen
    return Mauled{f->encode(), b};
  }
  Result<SessionKey> unblind(std::span<const uint8_t> field, std::span<const Answer> answers,
                             const Scalar& blind, const KeyCheck&) const override {
    auto f = parse(field);
    if (!f) return escrow::unexpected(f.error());
    auto xu_blinded = interpolate_answers(answers);
    if (!xu_blinded) return escrow::unexpected(xu_blinded.error());
    return apply_mask(domain::kElGamalMask, f->c, *xu_blinded - pk_.y * blind);  // x(u + bG) - bY = xu
  }

 protected:
  Result<SessionKey> open_with_master(const Scalar& x, const Session& s) const override {
    auto f = parse(s.field);
    if (!f) return escrow::unexpected(f.error());
    return apply_mask(domain::kElGamalMask, f->c, f->u * x);
  }

 private:
  Properties properties_;
};

}  // namespace

Result<std::unique_ptr<Scheme>> make_threshold_elgamal(const Config& config, Rng& rng) {
  auto s = std::make_unique<ThresholdElGamal>(config.dealer);
  if (auto r = s->init(config, rng); !r) return escrow::unexpected(r.error());
  return std::unique_ptr<Scheme>(std::move(s));
}

}  // namespace escrow::schemes
