// Re-checks every known-answer vector from the inputs its file lists (SPEC §9), the way an
// independent implementation would: nothing here uses the deterministic RNG except the RNG vector.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>

#include "escrow/dleq.hpp"
#include "escrow/envelope.hpp"
#include "escrow/hash.hpp"
#include "escrow/label.hpp"
#include "escrow/shamir.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/trustee.hpp"
#include "escrow/vss.hpp"
#include "tdh2_testing.hpp"
#include "vectors/vector_file.hpp"

namespace escrow::vectors {
namespace {
using group::Point;
using group::Scalar;
using Bytes = std::vector<uint8_t>;

std::vector<Vector> load(const std::string& scenario) {
  auto v = read_file(std::string(DOORMAT_VECTOR_DIR) + "/" + scenario + ".vec");
  EXPECT_TRUE(v.has_value()) << (v ? "" : v.error().message());
  EXPECT_FALSE(v.value_or(std::vector<Vector>{}).empty()) << scenario << " holds no vector";
  return v.value_or(std::vector<Vector>{});
}

Bytes H(const Vector& v, const std::string& name) {
  auto b = v.hex(name);
  EXPECT_TRUE(b.has_value()) << name;
  return b.value_or(Bytes{});
}
Scalar S(const Vector& v, const std::string& name) { return Scalar::from_bytes(H(v, name), group::ZeroScalar::allow).value(); }
Point P(const Vector& v, const std::string& name) { return Point::from_bytes(H(v, name)).value(); }
tdh2::PublicKey PK(const Vector& v) { return tdh2::PublicKey::decode(H(v, "public_key")).value(); }
tdh2::Ciphertext CT(const Vector& v) { return tdh2::Ciphertext::decode(H(v, "ciphertext")).value(); }
tdh2::SessionKey KEY(const Vector& v) { return tdh2::SessionKey::from(std::span<const uint8_t, 32>(H(v, "session_key"))); }

std::vector<PartyIndex> indices(const Vector& v, const std::string& name) {
  std::vector<PartyIndex> out;
  std::string_view t = v.fields.at(name);
  while (!t.empty()) {
    const auto comma = t.find(',');
    out.push_back(*PartyIndex::make(static_cast<uint32_t>(std::stoul(std::string(t.substr(0, comma))))));
    if (comma == std::string_view::npos) break;
    t.remove_prefix(comma + 1);
  }
  return out;
}

std::vector<tdh2::PartialDecryption> partials(const Vector& v) {
  std::vector<tdh2::PartialDecryption> out;
  const auto encoded = v.hex_list("partials").value();  // named: a range-for over a temporary's value() dangles
  for (const auto& e : encoded) out.push_back(tdh2::PartialDecryption::decode(e).value());
  return out;
}

std::string category_name(ErrorCategory c) {
  switch (c) {
    case ErrorCategory::malformed: return "malformed";
    case ErrorCategory::invalid_proof: return "invalid_proof";
    case ErrorCategory::not_enough_shares: return "not_enough_shares";
    case ErrorCategory::policy_denied: return "policy_denied";
    case ErrorCategory::decryption_failed: return "decryption_failed";
    case ErrorCategory::internal: return "internal";
  }
  return "?";
}

template <typename T>
void expect_error(const Result<T>& r, const Vector& v) {
  ASSERT_FALSE(r.has_value()) << "line " << v.line << " should fail";
  EXPECT_EQ(category_name(r.error().category), v.fields.at("error")) << "line " << v.line;
  if (v.fields.contains("blame")) {
    std::vector<PartyIndex> want = indices(v, "blame");
    EXPECT_EQ(r.error().blame, want) << "line " << v.line;
  }
}

TEST(Vectors, GroupGeneratorBar) {
  for (const auto& v : load("group/generator_bar")) {
    EXPECT_EQ(P(v, "generator"), Point::generator());
    const auto tag = v.fields.at("tag");
    EXPECT_EQ(P(v, "generator_bar"), group::hash_to_point(tag, {}));
  }
}

TEST(Vectors, GroupHashToScalar) {
  for (const auto& v : load("group/hash_to_scalar")) {
    const auto inputs = v.hex_list("inputs").value();
    Hasher h(v.fields.at("tag"), 64);
    for (const auto& in : inputs) h.add(in);
    EXPECT_EQ(Scalar::reduce(h.finish<64>()), S(v, "scalar")) << "line " << v.line;
  }
}

TEST(Vectors, GroupRefusedEncodings) {
  for (const auto& v : load("group/scalar_non_canonical")) EXPECT_FALSE(Scalar::from_bytes(H(v, "scalar")).has_value());
  for (const auto& v : load("group/point_invalid_encoding")) EXPECT_FALSE(Point::from_bytes(H(v, "point")).has_value());
  for (const auto& v : load("group/point_identity")) EXPECT_FALSE(Point::from_bytes(H(v, "point")).has_value());
  for (const auto& v : load("group/point_bit_255_set")) {
    auto e = H(v, "point");
    EXPECT_FALSE(Point::from_bytes(e).has_value()) << "line " << v.line;
    e[31] &= 0x7f;  // the same bytes without the bit are a valid point: only bit 255 is refused
    EXPECT_TRUE(Point::from_bytes(e).has_value()) << "line " << v.line;
  }
}

TEST(Vectors, DeterministicRng) {
  for (const auto& v : load("rng/deterministic_rng")) {
    DeterministicRng rng(v.fields.at("seed"));
    Bytes out(H(v, "output").size());
    rng.fill(out);
    EXPECT_EQ(out, H(v, "output"));
  }
}

TEST(Vectors, ShamirSplit) {
  for (const auto& v : load("shamir/split")) {
    const auto coeffs = v.hex_list("coefficients").value();
    const auto shares = v.hex_list("shares").value();
    for (std::size_t i = 0; i < shares.size(); ++i) {
      // f(i) by Horner over the listed coefficients.
      const Scalar x = Scalar::from_u64(i + 1);
      Scalar acc;
      for (auto it = coeffs.rbegin(); it != coeffs.rend(); ++it) acc = acc * x + Scalar::from_bytes(*it).value();
      EXPECT_EQ(acc, Scalar::from_bytes(shares[i]).value()) << "share " << i + 1;
    }
    std::vector<shamir::Share> three;
    for (std::size_t i : {0u, 2u, 4u}) three.push_back({*PartyIndex::make(static_cast<uint32_t>(i + 1)), Scalar::from_bytes(shares[i]).value()});
    EXPECT_EQ(shamir::reconstruct(three).value(), Scalar::from_bytes(coeffs[0]).value());
  }
}

TEST(Vectors, ShamirLagrange) {
  for (const auto& v : load("shamir/lagrange_at_zero")) {
    const auto got = shamir::lagrange_coefficients(indices(v, "indices")).value();
    const auto want = v.hex_list("coefficients").value();
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], Scalar::from_bytes(want[i]).value());
  }
}

TEST(Vectors, VssFeldman) {
  for (const auto& v : load("vss/feldman")) {
    std::vector<Point> c;
    const auto encoded = v.hex_list("commitments").value();
    for (const auto& e : encoded) c.push_back(Point::from_bytes(e).value());
    const shamir::Share share{*PartyIndex::make(static_cast<uint32_t>(v.number("index").value())), S(v, "share")};
    EXPECT_EQ(vss::verify_share(c, share), v.valid) << "line " << v.line;
  }
}

TEST(Vectors, DleqProve) {
  for (const auto& v : load("dleq/prove")) {
    const auto ctx = v.hex_list("context").value();
    const Point g1 = P(v, "g1"), h1 = P(v, "h1"), g2 = P(v, "g2"), h2 = P(v, "h2");
    const dleq::Proof proof{S(v, "challenge"), S(v, "response")};
    EXPECT_EQ(dleq::verify(v.fields.at("tag"), {ctx[0]}, {g1, h1, g2, h2}, proof), v.valid) << "line " << v.line;
    if (v.valid) {
      const auto again = dleq::prove_with_nonce(v.fields.at("tag"), {ctx[0]}, {g1, h1, g2, h2}, S(v, "witness"), S(v, "nonce"));
      EXPECT_EQ(again.challenge, proof.challenge);
      EXPECT_EQ(again.response, proof.response);
    }
  }
}

TEST(Vectors, Tdh2Deal) {
  for (const auto& v : load("tdh2/deal")) {
    const auto pk = PK(v);  // decode re-checks that Y and every Y_i lie on one polynomial
    const auto shares = v.hex_list("key_shares").value();
    ASSERT_EQ(shares.size(), pk.n);
    for (const auto& e : shares) {
      const auto share = tdh2::KeyShare::decode(e).value();
      EXPECT_EQ(Point::base_mul(share.expose_secret()), pk.verification_key(share.index()));
    }
  }
}

TEST(Vectors, Tdh2Encrypt) {
  for (const char* scenario : {"tdh2/encrypt", "tdh2/encrypt_recipient_verifiable"}) {
    for (const auto& v : load(scenario)) {
      const auto pk = PK(v);
      const auto key = KEY(v);
      const auto label = H(v, "label");
      const auto ct = tdh2::testing::encrypt_with(pk, key, label, S(v, "r"), S(v, "s")).value();
      EXPECT_EQ(ct.encode(), H(v, "ciphertext")) << scenario;
      EXPECT_TRUE(tdh2::verify(pk, ct).has_value());
      if (std::string(scenario) == "tdh2/encrypt_recipient_verifiable") {
        EXPECT_EQ(tdh2::testing::derive_r(key, label), S(v, "r"));
        EXPECT_TRUE(tdh2::check_recipient(pk, ct, key).has_value());
      }
    }
  }
}

TEST(Vectors, Tdh2CheckRecipientWrongKey) {
  for (const auto& v : load("tdh2/check_recipient_wrong_key")) expect_error(tdh2::check_recipient(PK(v), CT(v), KEY(v)), v);
}

TEST(Vectors, Tdh2EveryTamperedFieldFailsVerification) {
  for (const char* s : {"verify_tampered_c", "verify_tampered_u", "verify_tampered_ubar", "verify_tampered_e",
                        "verify_tampered_f", "verify_label_swapped"})
    for (const auto& v : load(std::string("tdh2/") + s)) expect_error(tdh2::verify(PK(v), CT(v)), v);
}

TEST(Vectors, Tdh2BadEncodingsDoNotParse) {
  for (const char* s : {"decode_identity_u", "decode_non_canonical_u", "decode_non_canonical_f", "decode_truncated",
                        "decode_trailing_byte", "decode_wrong_version"})
    for (const auto& v : load(std::string("tdh2/") + s)) expect_error(tdh2::Ciphertext::decode(H(v, "ciphertext")), v);
}

TEST(Vectors, Tdh2PartialDecrypt) {
  for (const auto& v : load("tdh2/partial_decrypt")) {
    const auto pk = PK(v);
    const auto share = tdh2::KeyShare::decode(H(v, "key_share")).value();
    const auto pd = tdh2::testing::partial_decrypt_with(pk, share, CT(v), S(v, "nonce")).value();
    EXPECT_EQ(pd.encode(), H(v, "partial"));
    EXPECT_TRUE(tdh2::verify_partial(pk, CT(v), pd).has_value());
  }
}

TEST(Vectors, Tdh2BadPartialsAreBlamed) {
  for (const char* s : {"verify_partial_bad_proof", "verify_partial_wrong_value", "verify_partial_wrong_epoch"})
    for (const auto& v : load(std::string("tdh2/") + s))
      expect_error(tdh2::verify_partial(PK(v), CT(v), tdh2::PartialDecryption::decode(H(v, "partial")).value()), v);
}

TEST(Vectors, Tdh2Combine) {
  for (const char* s : {"tdh2/combine", "tdh2/combine_blames_cheaters"}) {
    for (const auto& v : load(s)) {
      auto out = tdh2::combine(PK(v), CT(v), partials(v));
      ASSERT_TRUE(out.has_value()) << s << ": " << out.error().message();
      EXPECT_TRUE(out->key.equals(KEY(v))) << s;
      EXPECT_EQ(out->used, indices(v, "used")) << s;
      EXPECT_EQ(out->cheaters, indices(v, "cheaters")) << s;
    }
  }
}

TEST(Vectors, Tdh2CombineRefusals) {
  for (const char* s : {"tdh2/combine_not_enough_shares", "tdh2/combine_duplicate_party"})
    for (const auto& v : load(s)) expect_error(tdh2::combine(PK(v), CT(v), partials(v)), v);
}

TEST(Vectors, SessionLabel) {
  for (const auto& v : load("label/session_label")) {
    if (!v.valid) {
      expect_error(SessionLabel::decode(H(v, "label")), v);
      continue;
    }
    SessionLabel label{v.fields.at("sender"), v.fields.at("recipient"), v.number("time").value(), {}};
    const auto id = H(v, "session_id");
    std::copy(id.begin(), id.end(), label.session_id.begin());
    EXPECT_EQ(label.encode(), H(v, "label"));
  }
}

struct Recipient {
  envelope::X25519PublicKey pk{};
  envelope::X25519SecretKey sk;
  explicit Recipient(const Vector& v) {
    const auto p = H(v, "recipient_public_key"), s = H(v, "recipient_secret_key");
    std::copy(p.begin(), p.end(), pk.begin());
    std::copy(s.begin(), s.end(), sk.expose().begin());
  }
};

TEST(Vectors, EnvelopeSeal) {
  for (const auto& v : load("envelope/seal")) {
    const auto pk = PK(v);
    const Recipient bob(v);
    const auto env = envelope::Envelope::decode(H(v, "envelope")).value();
    // Rebuild it from the listed inputs: escrow field, then box (seed) and AEAD nonce.
    const auto key = KEY(v);
    const auto label = H(v, "label");
    const auto field = tdh2::testing::encrypt_with(pk, key, label, tdh2::testing::derive_r(key, label), S(v, "s")).value();
    uint8_t epk[32], esk[32];
    crypto_box_seed_keypair(epk, esk, H(v, "box_seed").data());
    EXPECT_TRUE(std::equal(epk, epk + 32, env.recipient_box.begin()));
    EXPECT_EQ(field.encode(), env.escrow.encode());
    EXPECT_EQ(Bytes(env.nonce.begin(), env.nonce.end()), H(v, "aead_nonce"));
    auto plain = envelope::open(pk, env, bob.pk, bob.sk);
    ASSERT_TRUE(plain.has_value());
    EXPECT_EQ(Bytes(plain->begin(), plain->end()), H(v, "plaintext"));
  }
}

TEST(Vectors, EnvelopeRefusals) {
  for (const auto& v : load("envelope/open_wrong_escrow_key")) {
    const Recipient bob(v);
    expect_error(envelope::open(PK(v), envelope::Envelope::decode(H(v, "envelope")).value(), bob.pk, bob.sk), v);
  }
  for (const auto& v : load("envelope/open_swapped_escrow_field")) {
    const auto env = envelope::Envelope::decode(H(v, "envelope")).value();
    expect_error(envelope::open_with_session_key(env, KEY(v)), v);
    const Recipient bob(v);
    expect_error(envelope::open(PK(v), env, bob.pk, bob.sk), v);
  }
}

TEST(VectorFile, RefusesFieldsOutsideAVectorAndRepeats) {
  EXPECT_FALSE(parse("a = 1\n").has_value());
  EXPECT_FALSE(parse("[Valid]\na = 1\na = 2\n").has_value());
  EXPECT_FALSE(parse("[Valid]\nno equals sign\n").has_value());
  auto ok = parse("# c\n[Invalid]\n a = 0a \n");
  ASSERT_TRUE(ok.has_value());
  EXPECT_FALSE((*ok)[0].valid);
  EXPECT_EQ((*ok)[0].hex("a").value(), Bytes{0x0a});
}


// ---- trustee (SPEC §11.2, §11.3): request bytes + state -> decision + log entries ----

// Hands out the listed draws, in order and of the listed sizes: decide() must consume exactly them.
class ReplayRng final : public Rng {
 public:
  explicit ReplayRng(std::vector<Bytes> draws) : draws_(std::move(draws)) {}
  void fill(std::span<uint8_t> out) override {
    ASSERT_LT(next_, draws_.size()) << "decide() drew more randomness than the vector lists";
    ASSERT_EQ(draws_[next_].size(), out.size());
    std::copy(draws_[next_].begin(), draws_[next_].end(), out.begin());
    ++next_;
  }
  [[nodiscard]] bool all_used() const { return next_ == draws_.size(); }

 private:
  std::vector<Bytes> draws_;
  std::size_t next_ = 0;
};

struct VectorState final : trustee::StateView {
  std::vector<Bytes> nonces, opened_fields;
  bool over_budget = false, proven = false, rate = true;
  static bool has(const std::vector<Bytes>& set, std::span<const uint8_t> a, std::span<const uint8_t> b) {
    Bytes key(a.begin(), a.end());
    key.insert(key.end(), b.begin(), b.end());
    return std::find(set.begin(), set.end(), key) != set.end();
  }
  Result<bool> nonce_seen(const request::VerifyKey& a, const std::array<uint8_t, 16>& n) override { return has(nonces, a, n); }
  bool source_over_budget() override { return over_budget; }
  bool agency_proven(const request::VerifyKey&) override { return proven; }
  bool rate_allows(const request::VerifyKey&) override { return rate; }
  Result<uint64_t> opened_count(const std::array<uint8_t, 32>& w) override {
    uint64_t n = 0;
    for (const auto& e : opened_fields) n += std::equal(w.begin(), w.end(), e.begin());
    return n;
  }
  Result<bool> opened(const std::array<uint8_t, 32>& w, const std::array<uint8_t, 32>& f) override { return has(opened_fields, w, f); }
};

std::string text_of(const Bytes& b) { return {b.begin(), b.end()}; }

// Every file of docs/SPEC.md §9.3's trustee rows.
const char* const kTrusteeScenarios[] = {
    "issue_fields", "refuse_malformed", "refuse_bad_signature", "refuse_stale", "refuse_replayed_nonce",
    "refuse_source_over_budget", "refuse_warrant_other_court", "refuse_warrant_expired", "refuse_warrant_revoked_judge",
    "refuse_rate_limited", "field_out_of_scope_target", "field_out_of_scope_window", "field_over_budget", "field_invalid",
    "field_malformed", "refuse_two_checks_earlier_reason"};

TEST(Vectors, TrusteeDecisionsAndLogEntries) {
  for (const char* scenario : kTrusteeScenarios) {
    for (const auto& v : load(std::string("trustee/") + scenario)) {
      SCOPED_TRACE(scenario);
      const auto pk = PK(v);
      const auto share = tdh2::KeyShare::decode(H(v, "key_share")).value();
      const trustee::Policy policy{{text_of(H(v, "root_pem")), text_of(H(v, "crl_pem")),
                                    static_cast<unsigned>(v.number("judges_required").value()), v.number("crl_number_floor").value()},
                                   v.number("crl_readable").value() == 1, v.number("freshness_seconds").value()};
      VectorState state;
      state.nonces = v.hex_list("seen_nonces").value();
      state.opened_fields = v.hex_list("opened").value();
      state.over_budget = v.number("source_over_budget").value() == 1;
      state.proven = v.number("agency_proven").value() == 1;
      state.rate = v.number("rate_allows").value() == 1;
      ReplayRng rng(v.hex_list("rng_draws").value());
      const auto d = trustee::decide(H(v, "request"), policy, {pk, share}, state, v.number("now").value(), rng);
      EXPECT_TRUE(rng.all_used());
      ASSERT_FALSE(d.internal_error);
      EXPECT_EQ(d.refusal ? std::string(trustee::error_code(*d.refusal)) : std::string("none"), v.fields.at("refusal"));
      EXPECT_EQ(d.reason, v.fields.at("reason"));
      EXPECT_EQ(d.authenticated, v.number("authenticated").value() == 1);
      EXPECT_EQ(Bytes(d.request_hash.begin(), d.request_hash.end()), H(v, "request_hash"));
      EXPECT_EQ(Bytes(d.change.warrant_hash.begin(), d.change.warrant_hash.end()), H(v, "warrant_hash"));
      std::string statuses;
      std::vector<Bytes> partials_out, log, newly;
      for (std::size_t i = 0; i < d.results.size(); ++i) {
        if (i > 0) statuses.push_back(',');
        statuses.append(std::to_string(static_cast<unsigned>(d.results[i].status)));
        if (!d.results[i].partial.empty()) partials_out.push_back(d.results[i].partial);
      }
      for (const auto& e : d.log) log.push_back(e.encode());
      for (const auto& h : d.change.newly_opened) newly.emplace_back(h.begin(), h.end());
      EXPECT_EQ(statuses, v.fields.at("statuses"));
      EXPECT_EQ(partials_out, v.hex_list("issued_partials").value());
      EXPECT_EQ(log, v.hex_list("log").value());
      EXPECT_EQ(newly, v.hex_list("newly_opened").value());
      const Bytes nonce = d.change.record_nonce ? Bytes(d.change.record_nonce->begin(), d.change.record_nonce->end()) : Bytes{};
      EXPECT_EQ(nonce, H(v, "record_nonce"));
      EXPECT_EQ(d.change.spend_rate_token, v.number("spend_rate_token").value() == 1);
      EXPECT_EQ(d.change.prove_agency, v.number("prove_agency").value() == 1);
      // Every issued partial is one a combiner accepts for its field.
      const auto req = request::DecryptRequest::decode(H(v, "request"));
      for (std::size_t i = 0; i < d.results.size(); ++i) {
        if (d.results[i].status != request::FieldStatus::issued) continue;
        const auto ct = tdh2::Ciphertext::decode(req->fields[i]).value();
        EXPECT_TRUE(tdh2::verify_partial(pk, ct, tdh2::PartialDecryption::decode(d.results[i].partial).value()).has_value());
      }
    }
  }
}

}  // namespace
}  // namespace escrow::vectors
