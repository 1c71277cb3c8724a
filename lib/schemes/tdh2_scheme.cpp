// tdh2 (the project's design) and tdh2-crumple (the same over K with t bits withheld). Under a
// warrant their trustees are the shipped trustee: escrow::trustee::decide() over an in-memory
// state, with its entries appended to a translog log, as escrow_authority/trustee.cpp does over
// SQLite.
#include <fmt/format.h>
#include <sodium.h>

#include <map>
#include <set>

#include "escrow/dleq.hpp"
#include "escrow/domain.hpp"
#include "escrow/trustee.hpp"
#include "shared_key.hpp"

namespace escrow::schemes {
namespace {
using group::Point;
using group::Scalar;

// What decide() reads of a trustee's state, in memory: the daemon's SQLite tables (nonces, proven
// agencies, fields opened per warrant). One process, no network: no source is ever over budget and
// the agency's rate is not limited (the daemon's HTTP-side limits).
class MemoryState final : public trustee::StateView {
 public:
  Result<bool> nonce_seen(const request::VerifyKey& agency, const std::array<uint8_t, 16>& nonce) override {
    return nonces_.contains({agency, nonce});
  }
  bool source_over_budget() override { return false; }
  bool agency_proven(const request::VerifyKey& agency) override { return proven_.contains(agency); }
  bool take_rate(const request::VerifyKey&, uint64_t) override { return true; }
  Result<uint64_t> opened_count(const std::array<uint8_t, 32>& warrant) override {
    auto it = opened_.find(warrant);
    return it == opened_.end() ? 0 : it->second.size();
  }
  Result<bool> opened(const std::array<uint8_t, 32>& warrant, const std::array<uint8_t, 32>& field) override {
    auto it = opened_.find(warrant);
    return it != opened_.end() && it->second.contains(field);
  }
  // The daemon's transaction, less the disk.
  void commit(const trustee::StateChange& c) {
    if (c.record_nonce) nonces_.insert({c.agency, *c.record_nonce});
    if (c.prove_agency) proven_.insert(c.agency);
    for (const auto& f : c.newly_opened) opened_[c.warrant_hash].insert(f);
  }

 private:
  std::set<std::pair<request::VerifyKey, std::array<uint8_t, 16>>> nonces_;
  std::set<request::VerifyKey> proven_;
  std::map<std::array<uint8_t, 32>, std::set<std::array<uint8_t, 32>>> opened_;
};

// One trustee as the daemon runs it: its state, its log and its log key.
struct LoggedTrustee {
  MemoryState state;
  std::vector<std::vector<uint8_t>> entries;
  translog::Tree tree;
  std::array<uint8_t, 32> sign_public{};
  Secret<64> sign_secret;

  explicit LoggedTrustee(Rng& rng) {
    Secret<32> seed;
    rng.fill(seed.expose());
    crypto_sign_seed_keypair(sign_public.data(), sign_secret.expose().data(), seed.expose().data());
  }
  // Trustee::append: a reason over 255 bytes keeps its first 255, then entry, leaf, tree.
  void append(const std::vector<translog::Entry>& log) {
    for (auto e : log) {
      if (e.reason.size() > translog::kMaxReasonBytes) e.reason.resize(translog::kMaxReasonBytes);
      entries.push_back(e.encode());
      tree.append(translog::leaf_hash(entries.back()));
    }
  }
};

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
  Result<void> init(const Config& c, Rng& rng) {
    if (auto g = generate(c, c.dealer, dkg::Protocol::gjkr, rng); !g) return g;
    logs_ = c.trustees_log;
    properties_.audit_log = logs_;
    for (std::size_t i = 0; i < c.n; ++i) trustees_.push_back(std::make_unique<LoggedTrustee>(rng));
    return {};
  }
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
      auto checked = trustee::check_field(pk_, field, [&](const SessionLabel& l) { return scope.covers(l); });
      if (checked.status == request::FieldStatus::invalid_field)
        return fail(ErrorCategory::invalid_proof, "tdh2::answer", "the field fails TDH2 validity");
      if (checked.status != request::FieldStatus::issued)
        return fail(ErrorCategory::policy_denied, "tdh2::answer", std::string(request::to_string(checked.status)));
      return encode(tdh2::partial_decrypt(pk_, share(i), *checked.verified, rng));
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
  // The shipped trustee: the agency signs a one-field request under the warrant; decide() runs
  // SPEC §11.2's steps over this trustee's state; once the warrant verified, the state change is
  // committed and the entries appended to the log (an unauthenticated refusal is only counted by
  // the daemon, per source: not logged here either).
  Result<Answer> answer_request(PartyIndex i, std::span<const uint8_t> field, const SessionLabel&, const Warrant& w,
                                Rng& rng) override {
    request::DecryptRequest req{w.signed_warrant.encode(), {}, w.now, {{field.begin(), field.end()}}, {}};
    rng.fill(req.nonce);
    if (auto ok = req.check(); !ok) return escrow::unexpected(ok.error());
    request::sign(req, w.agency);
    const trustee::Policy policy{w.policy, true, 300};
    auto& t = *trustees_[i.value() - 1];
    auto d = trustee::decide(req.encode(), policy, {pk_, share(i)}, t.state, w.now, rng);
    if (d.internal_error) return fail(ErrorCategory::internal, "tdh2::answer_request", "the trustee could not read its state");
    if (d.authenticated) {
      t.state.commit(d.change);
      if (logs_) t.append(d.log);
    }
    if (d.refusal) return fail(ErrorCategory::policy_denied, "tdh2::answer_request", std::string(trustee::error_code(*d.refusal)) + ": " + d.reason);
    const auto& r = d.results.at(0);
    if (r.status == request::FieldStatus::invalid_field)
      return fail(ErrorCategory::invalid_proof, "tdh2::answer_request", "the field fails TDH2 validity");
    if (r.status != request::FieldStatus::issued)
      return fail(ErrorCategory::policy_denied, "tdh2::answer_request", std::string(request::to_string(r.status)));
    return Answer{i, SecureBytes(r.partial.begin(), r.partial.end())};
  }
  std::optional<TrusteeLog> log(PartyIndex i) const override {
    if (!logs_) return std::nullopt;
    const auto& t = *trustees_[i.value() - 1];
    TrusteeLog out{t.sign_public, t.entries, {t.tree.size(), t.tree.root(), 0, {}}};
    translog::sign(out.head, t.sign_secret);
    return out;
  }
  std::optional<translog::TreeHead> sign_head(PartyIndex i, std::span<const translog::Hash> leaves, uint64_t time) const override {
    if (!logs_) return std::nullopt;
    translog::TreeHead h{leaves.size(), translog::root(leaves), time, {}};
    translog::sign(h, trustees_[i.value() - 1]->sign_secret);
    return h;
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
  bool logs_ = true;
  std::vector<std::unique_ptr<LoggedTrustee>> trustees_;  // trustee i at i - 1: its state, log and log key
};

}  // namespace

Result<std::unique_ptr<Scheme>> make_tdh2(const Config& config, Rng& rng, unsigned work_bits) {
  auto s = std::make_unique<Tdh2Scheme>(config.dealer, work_bits);
  if (auto r = s->init(config, rng); !r) return escrow::unexpected(r.error());
  return std::unique_ptr<Scheme>(std::move(s));
}

}  // namespace escrow::schemes
