// The message layer every design shares, the warrant scope, lawful access and the registry.
#include <sodium.h>

#include <algorithm>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/schemes.hpp"

namespace escrow::schemes {

std::unique_ptr<Scheme> make_clipper(const Config& config, Rng& rng);
Result<std::unique_ptr<Scheme>> make_naive_shamir(const Config& config, Rng& rng);
Result<std::unique_ptr<Scheme>> make_threshold_elgamal(const Config& config, Rng& rng);
Result<std::unique_ptr<Scheme>> make_tdh2(const Config& config, Rng& rng, unsigned work_bits);

namespace {

Secret<32> aead_key(const SessionKey& key) {
  Secret<32> k;
  Hasher(domain::kSchemesAeadKey, 32).add(key.expose()).finish(k.expose());
  return k;
}

// H(field) || label: editing either the field or the label makes the body refuse to open.
std::vector<uint8_t> associated_data(const Session& s) {
  const auto h = Hasher(domain::kSchemesFieldHash, 32).add(s.field).finish<32>();
  std::vector<uint8_t> ad(h.begin(), h.end());
  const auto label = s.label.encode();
  ad.insert(ad.end(), label.begin(), label.end());
  return ad;
}

}  // namespace

bool Scope::covers_identity(const std::string& identity) const {
  return std::find(targets.begin(), targets.end(), identity) != targets.end();
}

bool Scope::covers(const SessionLabel& label) const {
  return (covers_identity(label.sender) || covers_identity(label.recipient)) && label.time >= window_start &&
         label.time <= window_end;
}

Scope Warrant::scope() const {
  const auto& w = signed_warrant.warrant;
  return {w.targets, w.window_start, w.window_end};
}

Result<Answer> Scheme::answer_request(PartyIndex i, std::span<const uint8_t> field, const SessionLabel& label,
                                      const Warrant& w, Rng& rng) {
  if (auto ok = warrant::verify(w.signed_warrant, w.policy, w.now); !ok) return escrow::unexpected(ok.error());
  return answer(i, field, label, w.scope(), Conduct::honest, rng);
}

std::vector<uint8_t> Scheme::relabel(std::span<const uint8_t> field, const SessionLabel&) const {
  return {field.begin(), field.end()};  // the label travels beside the field: nothing to change
}

const std::vector<std::string_view>& names() {
  static const std::vector<std::string_view> all{"clipper", "naive-shamir", "threshold-elgamal", "tdh2",
                                                 "tdh2-crumple"};
  return all;
}

Result<std::unique_ptr<Scheme>> make(std::string_view name, const Config& config, Rng& rng) {
  if (config.k < 1 || config.k > config.n || config.n > 255)
    return fail(ErrorCategory::malformed, "schemes::make", "need 1 <= k <= n <= 255");
  if (name == "clipper") return make_clipper(config, rng);
  if (name == "naive-shamir") return make_naive_shamir(config, rng);
  if (name == "threshold-elgamal") return make_threshold_elgamal(config, rng);
  if (name == "tdh2") return make_tdh2(config, rng, 0);
  if (name == "tdh2-crumple") {
    if (config.crumple_bits < 1 || config.crumple_bits > 32)
      return fail(ErrorCategory::malformed, "schemes::make", "crumple bits must be in 1..32");
    return make_tdh2(config, rng, config.crumple_bits);
  }
  return fail(ErrorCategory::malformed, "schemes::make", "unknown design: " + std::string(name));
}

Session seal_with(const SessionLabel& label, std::vector<uint8_t> field, const SessionKey& key,
                  std::span<const uint8_t> plaintext, Rng& rng) {
  Session s{label, std::move(field), {}, {}};
  rng.fill(s.nonce);
  const auto ad = associated_data(s);
  const auto k = aead_key(key);
  s.body.resize(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(s.body.data(), &len, plaintext.data(), plaintext.size(), ad.data(),
                                             ad.size(), nullptr, s.nonce.data(), k.expose().data());
  return s;
}

Result<Sealed> seal(Scheme& scheme, const SessionLabel& label, std::span<const uint8_t> plaintext, Rng& rng) {
  auto key = tdh2::random_session_key(rng);
  auto field = scheme.escrow(key, label, rng);
  if (!field) return escrow::unexpected(field.error());
  auto session = seal_with(label, std::move(*field), key, plaintext, rng);
  return Sealed{std::move(session), std::move(key)};
}

Result<SecureBytes> open(const Session& s, const SessionKey& key) {
  if (s.body.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES)
    return fail(ErrorCategory::decryption_failed, "schemes::open", "decryption failed");
  const auto ad = associated_data(s);
  const auto k = aead_key(key);
  SecureBytes plain(s.body.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &len, nullptr, s.body.data(), s.body.size(),
                                                 ad.data(), ad.size(), s.nonce.data(), k.expose().data()) != 0)
    return fail(ErrorCategory::decryption_failed, "schemes::open", "decryption failed");
  return plain;
}

namespace {
// Both lawful_open overloads end here: the quorum's answers combined (the AEAD tells whether K is
// right) and the session opened under the recovered key.
Result<SecureBytes> open_with_answers(const Scheme& scheme, const Session& session, std::vector<Answer> answers,
                                      std::vector<Answer>* kept) {
  auto recovered = scheme.combine(session.field, session.label, answers,
                                  [&](const SessionKey& k) { return open(session, k).has_value(); });
  if (kept) *kept = std::move(answers);
  if (!recovered) return escrow::unexpected(recovered.error());
  return open(session, recovered->key);
}
}  // namespace

Result<SecureBytes> lawful_open(const Scheme& scheme, const Session& session, const Scope& scope, Rng& rng,
                                std::vector<Answer>* kept) {
  std::vector<Answer> answers;
  for (uint32_t i = 1; i <= scheme.threshold(); ++i) {
    auto a = scheme.answer(*PartyIndex::make(i), session.field, session.label, scope, Conduct::honest, rng);
    if (!a) return escrow::unexpected(a.error());
    answers.push_back(std::move(*a));
  }
  return open_with_answers(scheme, session, std::move(answers), kept);
}

Result<SecureBytes> lawful_open(Scheme& scheme, const Session& session, const Warrant& warrant, Rng& rng,
                                std::vector<Answer>* kept) {
  std::vector<Answer> answers;
  for (uint32_t i = 1; i <= scheme.threshold(); ++i) {
    auto a = scheme.answer_request(*PartyIndex::make(i), session.field, session.label, warrant, rng);
    if (!a) return escrow::unexpected(a.error());
    answers.push_back(std::move(*a));
  }
  return open_with_answers(scheme, session, std::move(answers), kept);
}

}  // namespace escrow::schemes
