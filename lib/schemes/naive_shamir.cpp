// naive-shamir: one master key, Shamir-split by the dealer who made it. The field is a hashed
// ElGamal encryption of K to Y bound to the label; on a warrant each trustee checks the scope and
// hands its share over, and the investigator rebuilds x — and keeps it.
#include <algorithm>

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
    const tdh2::KeyShare wrong(i, share(i).epoch(), share(i).expose_secret() + Scalar::from_u64(1));
    return Answer{i, wrong.encode()};
  }
  Result<Recovered> combine(std::span<const uint8_t> field, const SessionLabel& label, std::span<const Answer> answers,
                            const KeyCheck&) const override {
    // The investigator rebuilds x. Nothing lets it tell a wrong share from a right one.
    std::vector<shamir::Share> shares;
    for (const auto& a : answers) {
      auto s = tdh2::KeyShare::decode(a.bytes);
      if (!s) return escrow::unexpected(s.error());
      shares.push_back({s->index(), s->expose_secret()});
    }
    auto x = shamir::reconstruct(std::span(shares).first(std::min(shares.size(), std::size_t(pk_.k))));
    if (!x) return escrow::unexpected(x.error());
    auto key = open_with_master(*x, Session{label, {field.begin(), field.end()}, {}, {}});
    if (!key) return escrow::unexpected(key.error());
    return Recovered{std::move(*key), {}};
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
