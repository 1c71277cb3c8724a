// tdh2 (the project's design) and tdh2-crumple (the same over K with t bits withheld).
#include <fmt/format.h>

#include "escrow/dleq.hpp"
#include "escrow/domain.hpp"
#include "escrow/trustee.hpp"
#include "shared_key.hpp"

namespace escrow::schemes {
namespace {
using group::Point;
using group::Scalar;

class Tdh2Scheme final : public SharedKeyScheme {
 public:
  Tdh2Scheme(bool dealer, unsigned work_bits)
      : properties_{.key_generation = dealer ? "dealer" : "gjkr",
                    .label_bound = true,
                    .validity_proof = true,
                    .partial_proofs = true,
                    .recipient_check = true,
                    .refresh = true,
                    .audit_log = true,
                    .work_bits = work_bits} {}
  Result<void> init(const Config& c, Rng& rng) { return generate(c, c.dealer, dkg::Protocol::gjkr, rng); }
  std::string_view name() const override { return properties_.work_bits ? "tdh2-crumple" : "tdh2"; }
  const Properties& properties() const override { return properties_; }
  Result<void> refresh(Rng& rng) override { return refresh_shares(rng); }

  Result<std::vector<uint8_t>> escrow(const SessionKey& key, const SessionLabel& label, Rng& rng) override {
    auto ct = tdh2::encrypt_recipient_verifiable(pk_, escrowed(key), label.encode(), rng);
    if (!ct) return escrow::unexpected(ct.error());
    return ct->encode();
  }
  Result<void> recipient_check(std::span<const uint8_t> field, const SessionKey& key,
                               const SessionLabel& label) const override {
    auto ct = parse(field, label);
    if (!ct) return escrow::unexpected(ct.error());
    return tdh2::check_recipient(pk_, *ct, escrowed(key));
  }
  Result<Answer> answer(PartyIndex i, std::span<const uint8_t> field, const SessionLabel& label, const Scope& scope,
                        Conduct conduct, Rng& rng) const override {
    auto ct = tdh2::Ciphertext::decode(field);
    if (!ct) return escrow::unexpected(ct.error());
    // The scope is decided on the label inside the field, which the validity proof binds.
    auto bound = SessionLabel::decode(ct->label);
    if (!bound || bound->encode() != label.encode())
      return fail(ErrorCategory::policy_denied, "tdh2::answer", "field's label is not the session presented");
    if (!scope.covers(*bound)) return fail(ErrorCategory::policy_denied, "tdh2::answer", "session outside the warrant");
    if (conduct == Conduct::honest) {
      // The shipped trustee's own field step (SPEC §11.2 step 7): parse, validity, scope.
      std::optional<tdh2::VerifiedCiphertext> verified;
      const auto status = trustee::check_field(pk_, field, [&](const SessionLabel& l) { return scope.covers(l); }, verified);
      if (status == request::FieldStatus::invalid_field) return fail(ErrorCategory::invalid_proof, "tdh2::answer", "the field fails TDH2 validity");
      if (status != request::FieldStatus::issued) return fail(ErrorCategory::policy_denied, "tdh2::answer", std::string(request::to_string(status)));
      return encode(tdh2::partial_decrypt(pk_, share(i), *verified, rng));
    }
    // The two dishonest trustees compute x_i u themselves: without the validity check, or with a wrong x_i.
    Scalar x = share(i).expose_secret();
    if (conduct == Conduct::wrong_share) {
      if (auto ok = tdh2::verify(pk_, *ct); !ok) return escrow::unexpected(ok.error());
      x = x + Scalar::from_u64(1);
    }
    tdh2::PartialDecryption pd{i, pk_.epoch, ct->u * x, {}, {}};
    const auto ctx = tdh2::partial_proof_context(pk_.epoch, i);
    const auto proof =
        dleq::prove(domain::kTdh2PartialProof, {ctx}, {Point::generator(), pk_.verification_key(i), ct->u, pd.u_i}, x, rng);
    pd.e_i = proof.challenge;
    pd.f_i = proof.response;
    return encode(Result<tdh2::PartialDecryption>(pd));
  }
  Result<Recovered> combine(std::span<const uint8_t> field, const SessionLabel& label, std::span<const Answer> answers,
                            const KeyCheck& opens) const override {
    auto ct = parse(field, label);
    if (!ct) return escrow::unexpected(ct.error());
    std::vector<tdh2::PartialDecryption> partials;
    std::vector<PartyIndex> unreadable;
    for (const auto& a : answers) {
      if (auto pd = tdh2::PartialDecryption::decode(a.bytes); pd && pd->index == a.index) partials.push_back(*pd);
      else unreadable.push_back(a.index);
    }
    auto combined = tdh2::combine(pk_, *ct, partials);
    if (!combined) return escrow::unexpected(combined.error());
    auto blamed = combined->cheaters;
    blamed.insert(blamed.end(), unreadable.begin(), unreadable.end());
    if (!properties_.work_bits) return Recovered{std::move(combined->key), blamed};
    auto key = complete_by_search(combined->key, properties_.work_bits, opens);
    if (!key) return escrow::unexpected(key.error());
    return Recovered{std::move(*key), blamed};
  }
  std::vector<uint8_t> relabel(std::span<const uint8_t> field, const SessionLabel& label) const override {
    auto ct = tdh2::Ciphertext::decode(field);
    if (!ct) return {field.begin(), field.end()};
    ct->label = label.encode();  // the proof (e, f) still commits to the old label
    return ct->encode();
  }
  std::optional<Mauled> maul(std::span<const uint8_t> field, const SessionLabel& label, Rng& rng) const override {
    auto ct = tdh2::Ciphertext::decode(field);
    if (!ct) return std::nullopt;
    const Scalar b = Scalar::random(rng);
    ct->u = ct->u + Point::base_mul(b);
    ct->ubar = ct->ubar + Point::generator_bar() * b;
    ct->label = label.encode();  // (e, f) cannot be recomputed without r: the proof no longer holds
    return Mauled{ct->encode(), b};
  }
  Result<SessionKey> unblind(std::span<const uint8_t> field, std::span<const Answer> answers,
                             const Scalar& blind, const KeyCheck& opens) const override {
    auto ct = tdh2::Ciphertext::decode(field);
    if (!ct) return escrow::unexpected(ct.error());
    auto xu_blinded = interpolate_answers(answers);
    if (!xu_blinded) return escrow::unexpected(xu_blinded.error());
    auto key = apply_mask(domain::kTdh2Mask, ct->c, *xu_blinded - pk_.y * blind);
    if (!properties_.work_bits) return key;
    return complete_by_search(key, properties_.work_bits, opens);
  }

 protected:
  Result<SessionKey> open_with_master(const Scalar& x, const Session& s) const override {
    auto ct = tdh2::Ciphertext::decode(s.field);
    if (!ct) return escrow::unexpected(ct.error());
    auto key = apply_mask(domain::kTdh2Mask, ct->c, ct->u * x);
    if (!properties_.work_bits) return key;
    return complete_by_search(key, properties_.work_bits, [&](const SessionKey& k) { return open(s, k).has_value(); });
  }

 private:
  SessionKey escrowed(const SessionKey& key) const { return withhold_bits(key, properties_.work_bits); }
  static Result<tdh2::Ciphertext> parse(std::span<const uint8_t> field, const SessionLabel& label) {
    auto ct = tdh2::Ciphertext::decode(field);
    if (!ct) return escrow::unexpected(ct.error());
    if (ct->label != label.encode()) return fail(ErrorCategory::invalid_proof, "tdh2", "field's label is not the session's");
    return ct;
  }
  static Result<Answer> encode(const Result<tdh2::PartialDecryption>& pd) {
    if (!pd) return escrow::unexpected(pd.error());
    const auto bytes = pd->encode();
    return Answer{pd->index, SecureBytes(bytes.begin(), bytes.end())};
  }
  Properties properties_;
};

}  // namespace

Result<std::unique_ptr<Scheme>> make_tdh2(const Config& config, Rng& rng, unsigned work_bits) {
  auto s = std::make_unique<Tdh2Scheme>(config.dealer, work_bits);
  if (auto r = s->init(config, rng); !r) return escrow::unexpected(r.error());
  return std::unique_ptr<Scheme>(std::move(s));
}

}  // namespace escrow::schemes
