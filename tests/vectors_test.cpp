// Re-checks every known-answer vector from the inputs its file lists (SPEC §9), the way an
// independent implementation would: nothing here uses the deterministic RNG except the RNG vector.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "escrow/dkg.hpp"
#include "escrow/dkg_message.hpp"
#include "escrow/dleq.hpp"
#include "escrow/envelope.hpp"
#include "escrow/hash.hpp"
#include "escrow/label.hpp"
#include "escrow/request.hpp"
#include "escrow/sealed_box.hpp"
#include "escrow/shamir.hpp"
#include "escrow/signature.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/translog.hpp"
#include "escrow/trustee.hpp"
#include "escrow/vss.hpp"
#include "escrow/warrant.hpp"
#include "escrow/wire.hpp"
#include "tdh2_testing.hpp"
#include "vectors/vector_file.hpp"

namespace escrow::vectors {
namespace {
using group::Point;
using group::Scalar;
using Bytes = std::vector<uint8_t>;

// The source tree's vectors, or DOORMAT_VECTORS from the environment: the Python checker's
// mutation test (tests/vectors/independent/mutate.py) asks this suite whether a mutated file
// still holds.
std::string vector_dir() {
  const char* dir = std::getenv("DOORMAT_VECTORS");
  return dir != nullptr && *dir != 0 ? dir : DOORMAT_VECTOR_DIR;
}

std::vector<Vector> load(const std::string& scenario) {
  auto v = read_file(vector_dir() + "/" + scenario + ".vec");
  EXPECT_TRUE(v.has_value()) << (v ? "" : v.error().message());
  EXPECT_FALSE(v.value_or(std::vector<Vector>{}).empty()) << scenario << " holds no vector";
  return v.value_or(std::vector<Vector>{});
}

// SPEC §9.2: every [Invalid] vector in every file names its error category (section 6).
TEST(Vectors, EveryInvalidVectorNamesItsErrorCategory) {
  const std::set<std::string> categories = {"malformed", "invalid_proof", "not_enough_shares", "policy_denied", "decryption_failed", "internal"};
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(vector_dir())) {
    if (entry.path().extension() != ".vec") continue;
    ++files;
    auto vectors = read_file(entry.path().string());
    ASSERT_TRUE(vectors.has_value()) << entry.path();
    for (const auto& v : *vectors)
      if (!v.valid) {
        EXPECT_TRUE(v.fields.contains("error") && categories.contains(v.fields.at("error"))) << entry.path() << " line " << v.line;
      }
  }
  EXPECT_GT(files, 30u);
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
  for (const char* scenario : {"tdh2/encrypt", "tdh2/encrypt_v2", "tdh2/encrypt_recipient_verifiable"}) {
    for (const auto& v : load(scenario)) {
      const auto pk = PK(v);
      const auto key = KEY(v);
      const auto label = H(v, "label");
      // SPEC §3.5: the listed field's version byte says which form to recompute.
      const auto format = H(v, "ciphertext").at(4) == 2 ? tdh2::CiphertextFormat::commitments : tdh2::CiphertextFormat::challenge;
      EXPECT_EQ(format == tdh2::CiphertextFormat::commitments, std::string(scenario) == "tdh2/encrypt_v2") << scenario;
      const auto ct = tdh2::testing::encrypt_with(pk, key, label, S(v, "r"), S(v, "s"), format).value();
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
                        "verify_tampered_f", "verify_label_swapped", "verify_v2_refusals", "verify_v2_bent_commitments"})
    for (const auto& v : load(std::string("tdh2/") + s)) expect_error(tdh2::verify(PK(v), CT(v)), v);
}

// SPEC §5.3's batch refuses each version-2 vector too, in a batch of honest fields, and verify_all
// names it alone, with verify()'s error.
TEST(Vectors, Tdh2FieldBatchRefusesEachRefusedField) {
  for (const char* s : {"tdh2/verify_v2_refusals", "tdh2/verify_v2_bent_commitments"}) {
    for (const auto& v : load(s)) {
      const auto pk = PK(v);
      const auto bad = CT(v);
      DeterministicRng rng(std::string("vectors/field-batch/") + s);
      std::vector<tdh2::Ciphertext> cts;
      for (int i = 0; i < 5; ++i) cts.push_back(tdh2::encrypt(pk, tdh2::random_session_key(rng), bad.label, rng).value());
      cts.insert(cts.begin() + 2, bad);
      SystemRng weights;
      EXPECT_FALSE(tdh2::verify_batch_vartime(cts, weights)) << s;
      const auto all = tdh2::verify_all(pk, cts);
      for (std::size_t i = 0; i < all.size(); ++i) {
        if (i == 2) expect_error(all[i], v);
        else EXPECT_TRUE(all[i].has_value()) << s << " field " << i;
      }
    }
  }
}

TEST(Vectors, Tdh2BadEncodingsDoNotParse) {
  for (const char* s : {"decode_identity_u", "decode_non_canonical_u", "decode_non_canonical_f", "decode_truncated",
                        "decode_trailing_byte", "decode_wrong_version"})
    for (const auto& v : load(std::string("tdh2/") + s)) expect_error(tdh2::Ciphertext::decode(H(v, "ciphertext")), v);
}

TEST(Vectors, Tdh2PartialDecrypt) {
  for (const char* s : {"tdh2/partial_decrypt", "tdh2/partial_decrypt_v2"})
  for (const auto& v : load(s)) {
    const auto pk = PK(v);
    const auto share = tdh2::KeyShare::decode(H(v, "key_share")).value();
    // The partial's version byte (SPEC §3.1) says which proof form the nonce made.
    const auto format = H(v, "partial").at(4) == 2 ? tdh2::PartialFormat::commitments : tdh2::PartialFormat::challenge;
    const auto pd = tdh2::testing::partial_decrypt_with(pk, share, CT(v), S(v, "nonce"), format).value();
    EXPECT_EQ(pd.encode(), H(v, "partial"));
    EXPECT_TRUE(tdh2::verify_partial(pk, CT(v), pd).has_value());
  }
}

TEST(Vectors, Tdh2BadPartialsAreBlamed) {
  for (const char* s : {"verify_partial_bad_proof", "verify_partial_wrong_value", "verify_partial_wrong_epoch",
                        "verify_partial_v2_bad_a1", "verify_partial_v2_bad_a2", "verify_partial_v2_bad_f"})
    for (const auto& v : load(std::string("tdh2/") + s))
      expect_error(tdh2::verify_partial(PK(v), CT(v), tdh2::PartialDecryption::decode(H(v, "partial")).value()), v);
}

TEST(Vectors, Tdh2Combine) {
  for (const char* s : {"tdh2/combine", "tdh2/combine_blames_cheaters", "tdh2/combine_v2", "tdh2/combine_v2_blames_cheaters",
                        "tdh2/combine_mixed_versions", "tdh2/combine_v2_field"}) {
    for (const auto& v : load(s)) {
      auto out = tdh2::combine(PK(v), CT(v), partials(v));
      ASSERT_TRUE(out.has_value()) << s << ": " << out.error().message();
      EXPECT_TRUE(out->key.equals(KEY(v))) << s;
      EXPECT_EQ(out->used, indices(v, "used")) << s;
      EXPECT_EQ(out->cheaters, indices(v, "cheaters")) << s;
      // SPEC §5.7: where every partial is version 2, the batch alone passes exactly when nobody cheated.
      const auto ps = partials(v);
      if (std::all_of(ps.begin(), ps.end(), [](const auto& p) { return p.format == tdh2::PartialFormat::commitments; })) {
        SystemRng weights;
        EXPECT_EQ(tdh2::verify_partials_batch_vartime(PK(v), CT(v), ps, weights), out->cheaters.empty()) << s;
      }
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

// Each half of the recipient check alone (SPEC §5.4): the field passes Verify and the other half.
TEST(Vectors, Tdh2RecipientCheckRefusesEachHalfAlone) {
  for (const auto& v : load("tdh2/check_recipient_decoy_c")) {
    const auto pk = PK(v);
    const auto ct = CT(v);
    ASSERT_TRUE(tdh2::verify(pk, ct).has_value());
    EXPECT_EQ(ct.u, Point::base_mul(tdh2::testing::derive_r(KEY(v), ct.label)));  // the u half holds
    expect_error(tdh2::check_recipient(pk, ct, KEY(v)), v);
  }
  for (const auto& v : load("tdh2/check_recipient_wrong_u")) {
    const auto pk = PK(v);
    const auto ct = CT(v);
    ASSERT_TRUE(tdh2::verify(pk, ct).has_value());
    const Scalar r = tdh2::testing::derive_r(KEY(v), ct.label);
    const auto honest = tdh2::testing::encrypt_with(pk, KEY(v), ct.label, r, Scalar::from_u64(1)).value();
    EXPECT_EQ(ct.c, honest.c);  // the c half holds (c depends on K, r and Y only)
    EXPECT_NE(ct.u, honest.u);
    expect_error(tdh2::check_recipient(pk, ct, KEY(v)), v);
  }
}

TEST(Vectors, Tdh2PartialRefusalsIsolated) {
  for (const auto& v : load("tdh2/verify_partial_genuine_other_epoch")) {
    const auto pd = tdh2::PartialDecryption::decode(H(v, "partial")).value();
    if (v.valid) EXPECT_TRUE(tdh2::verify_partial(PK(v), CT(v), pd).has_value());  // a genuine proof, for epoch 1
    else expect_error(tdh2::verify_partial(PK(v), CT(v), pd), v);
  }
  for (const auto& v : load("tdh2/verify_partial_index_beyond_n"))
    expect_error(tdh2::verify_partial(PK(v), CT(v), tdh2::PartialDecryption::decode(H(v, "partial")).value()), v);
  for (const char* s : {"tdh2/decode_partial_refusals", "tdh2/decode_partial_v2_refusals", "tdh2/decode_partial_version_confusion"})
    for (const auto& v : load(s)) expect_error(tdh2::PartialDecryption::decode(H(v, "partial")), v);
  for (const auto& v : load("tdh2/decode_key_share_refusals")) expect_error(tdh2::KeyShare::decode(H(v, "key_share")), v);
  for (const auto& v : load("tdh2/decode_public_key_refusals")) expect_error(tdh2::PublicKey::decode(H(v, "public_key")), v);
  for (const char* s : {"tdh2/decode_label_over_1024", "tdh2/decode_v2_refusals", "tdh2/decode_field_version_confusion"})
    for (const auto& v : load(s)) expect_error(tdh2::Ciphertext::decode(H(v, "ciphertext")), v);
}

TEST(Vectors, DleqEveryBoundInputRefusesAlone) {
  for (const auto& v : load("dleq/verify_refusals")) {
    const auto ctx = v.hex_list("context").value();
    const Point g1 = P(v, "g1"), h1 = P(v, "h1"), g2 = P(v, "g2"), h2 = P(v, "h2");
    EXPECT_FALSE(dleq::verify(v.fields.at("tag"), {ctx[0]}, {g1, h1, g2, h2}, {S(v, "challenge"), S(v, "response")})) << "line " << v.line;
  }
}

// SPEC §3.6 v2, §3.8 v2, §7.4: the sender-bound label, the signed envelope and the sender check.
TEST(Vectors, SignedEnvelopeAndSenderCheck) {
  for (const auto& v : load("label/session_label_bound")) {
    if (!v.valid) {
      expect_error(SessionLabel::decode(H(v, "label")), v);
      continue;
    }
    const auto label = SessionLabel::decode(H(v, "label")).value();
    EXPECT_EQ(label.sender, v.fields.at("sender"));
    EXPECT_EQ(Bytes(label.sender_key->begin(), label.sender_key->end()), H(v, "sender_key"));
    EXPECT_EQ(label.encode(), H(v, "label"));
  }
  for (const auto& v : load("envelope/seal_signed")) {
    const auto pk = PK(v);
    const Recipient bob(v);
    const auto env = envelope::Envelope::decode(H(v, "envelope")).value();
    IdentityKey sender_pk{};
    signature::SigningKey sender_sk;
    crypto_sign_seed_keypair(sender_pk.data(), sender_sk.expose().data(), H(v, "signing_seed").data());
    EXPECT_EQ(Bytes(sender_pk.begin(), sender_pk.end()), H(v, "sender_key"));
    const auto key = KEY(v);
    const auto label = H(v, "label");
    const auto field = tdh2::testing::encrypt_with(pk, key, label, tdh2::testing::derive_r(key, label), S(v, "s")).value();
    EXPECT_EQ(field.encode(), env.escrow.encode());
    auto plain = envelope::open(pk, env, bob.pk, bob.sk);
    ASSERT_TRUE(plain.has_value());
    EXPECT_EQ(Bytes(plain->begin(), plain->end()), H(v, "plaintext"));
    EXPECT_TRUE(envelope::verify_sender(env, sender_pk, SessionLabel::decode(label).value().time).has_value());
  }
  for (const auto& v : load("envelope/sender_check")) {
    const auto env = envelope::Envelope::decode(H(v, "envelope")).value();
    const auto known = H(v, "known_sender_key");
    IdentityKey k{};
    std::copy(known.begin(), known.end(), k.begin());
    auto r = envelope::verify_sender(env, k, v.number("arrival").value());
    if (v.valid) EXPECT_TRUE(r.has_value()) << "line " << v.line;
    else expect_error(r, v);
  }
  for (const auto& v : load("envelope/decode_signed_refusals")) expect_error(envelope::Envelope::decode(H(v, "envelope")), v);
}

TEST(Vectors, EnvelopeParseAndRecipientRefusals) {
  for (const auto& v : load("envelope/decode_refusals")) expect_error(envelope::Envelope::decode(H(v, "envelope")), v);
  for (const auto& v : load("envelope/open_wrong_recipient_key")) {
    const Recipient eve(v);
    expect_error(envelope::open(PK(v), envelope::Envelope::decode(H(v, "envelope")).value(), eve.pk, eve.sk), v);
  }
}

TEST(Vectors, TranslogEntriesTreesAndProofs) {
  for (const auto& v : load("translog/log_entry")) {
    const auto bytes = H(v, "entry");
    auto e = translog::Entry::decode(bytes);
    if (!v.valid) {
      expect_error(e, v);
      continue;
    }
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->time, v.number("time").value());
    EXPECT_EQ(Bytes(e->request_hash.begin(), e->request_hash.end()), H(v, "request_id"));
    EXPECT_EQ(e->decision, v.number("decision").value());
    EXPECT_EQ(e->reason, v.fields.at("reason"));
    EXPECT_EQ(e->encode(), bytes);
    const auto leaf = translog::leaf_hash(bytes);
    EXPECT_EQ(Bytes(leaf.begin(), leaf.end()), H(v, "leaf_hash"));
  }
  for (const auto& v : load("translog/merkle_tree")) {
    std::vector<translog::Hash> leaves;
    const auto entries = v.hex_list("entries").value();
    for (const auto& e : entries) leaves.push_back(translog::leaf_hash(e));
    const auto roots = v.hex_list("roots").value();
    ASSERT_EQ(roots.size(), leaves.size() + 1);
    translog::Tree tree;
    for (std::size_t n = 0; n <= leaves.size(); ++n) {
      const auto r = translog::root(std::span(leaves).first(n));
      EXPECT_EQ(Bytes(r.begin(), r.end()), roots[n]) << n;
      if (n > 0) tree.append(leaves[n - 1]);
      const auto from_tree = tree.root();
      EXPECT_EQ(Bytes(from_tree.begin(), from_tree.end()), roots[n]) << "the daemon's tree, at size " << n;
    }
  }
  auto hashes = [](const Vector& v, const char* name) {
    std::vector<translog::Hash> out;
    const auto list = v.hex_list(name).value();  // named: a range-for over .value() of a temporary dangles
    for (const auto& h : list) {
      translog::Hash x{};
      std::copy(h.begin(), h.end(), x.begin());
      out.push_back(x);
    }
    return out;
  };
  auto hash = [](const Vector& v, const char* name) {
    translog::Hash x{};
    const auto h = v.hex(name).value();
    std::copy(h.begin(), h.end(), x.begin());
    return x;
  };
  for (const auto& v : load("translog/inclusion_proof"))
    EXPECT_EQ(translog::verify_inclusion(hash(v, "leaf_hash"), v.number("index").value(), v.number("size").value(), hashes(v, "proof"), hash(v, "root")),
              v.valid) << "line " << v.line;
  for (const auto& v : load("translog/consistency_proof"))
    EXPECT_EQ(translog::verify_consistency(v.number("old_size").value(), v.number("new_size").value(), hash(v, "old_root"), hash(v, "new_root"),
                                           hashes(v, "proof")), v.valid) << "line " << v.line;
  for (const auto& v : load("translog/tree_head")) {
    const auto head = translog::TreeHead::decode(H(v, "tree_head")).value();
    std::array<uint8_t, 32> pk{};
    const auto key = H(v, "trustee_public_key");
    std::copy(key.begin(), key.end(), pk.begin());
    EXPECT_EQ(translog::verify_signature(head, pk), v.valid) << "line " << v.line;
    if (v.valid) {
      EXPECT_EQ(head.size, v.number("size").value());
      EXPECT_EQ(head.timestamp, v.number("time").value());
    }
  }
}

// ---- dkg (SPEC §12): each run replayed from its listed polynomials and messages ----

dkg::Message MSG(const Bytes& b) {
  EXPECT_GE(b.size(), wire::kHeaderBytes);
  return dkg::decode(b.size() > 5 ? b[5] : 0, b).value();
}
Bytes ENC(const dkg::Message& m) {
  const auto e = dkg::encode(m);
  return {e.begin(), e.end()};
}
std::vector<Scalar> scalars(const Vector& v, const std::string& name) {
  std::vector<Scalar> out;
  const auto encoded = v.hex_list(name).value();
  for (const auto& e : encoded) out.push_back(Scalar::from_bytes(e, group::ZeroScalar::allow).value());
  return out;
}

void check_dkg_run(const Vector& v) {
  const auto protocol = dkg::protocol_named(v.text("protocol").value()).value();
  const std::size_t k = v.number("k").value(), n = v.number("n").value();
  const auto finishing = indices(v, "finishing");
  auto cheater = [&](PartyIndex p) { return std::find(finishing.begin(), finishing.end(), p) == finishing.end(); };
  std::vector<dkg::Party> parties;
  for (uint32_t i = 1; i <= n && protocol == dkg::Protocol::reshare; ++i) {
    // SPEC §12.7: each party's own key; a dealer's listed a_0 is lambda_i^D x_i, made by the party.
    const dkg::Resharing plan{indices(v, "dealers"), static_cast<uint32_t>(v.number("from_epoch").value())};
    std::vector<Scalar> higher;
    if (v.fields.contains(fmt::format("coefficients_{}", i))) {
      higher = scalars(v, fmt::format("coefficients_{}", i));
      higher.erase(higher.begin());
    }
    parties.push_back(dkg::Party::resharing_with_polynomial(*PartyIndex::make(i), k, n, plan,
                                                            {tdh2::PublicKey::decode(v.hex_list("previous_public_keys").value().at(i - 1)).value(),
                                                             tdh2::KeyShare::decode(v.hex_list("previous_key_shares").value().at(i - 1)).value()},
                                                            std::move(higher))
                          .value());
  }
  for (uint32_t i = 1; i <= n && protocol != dkg::Protocol::reshare; ++i) {
    dkg::Party::Previous previous;
    if (protocol == dkg::Protocol::refresh)
      previous.emplace(tdh2::PublicKey::decode(H(v, "previous_public_key")).value(),
                       tdh2::KeyShare::decode(v.hex_list("previous_key_shares").value().at(i - 1)).value());
    parties.push_back(dkg::Party::with_polynomials(protocol, *PartyIndex::make(i), k, n, scalars(v, fmt::format("coefficients_{}", i)),
                                                   protocol == dkg::Protocol::gjkr ? scalars(v, fmt::format("coefficients_prime_{}", i))
                                                                                   : std::vector<Scalar>{},
                                                   std::move(previous))
                          .value());
  }
  for (dkg::Round round : dkg::rounds(protocol)) {
    SCOPED_TRACE(std::string(dkg::name(round)));
    const auto listed = v.hex_list(fmt::format("messages_{}", dkg::name(round))).value();
    // Every honest party sends exactly the listed messages of its own (a cheater's are the file's).
    std::vector<Bytes> own, want;
    for (const auto& p : parties)
      if (!cheater(p.index()))
        for (const auto& m : p.messages()) own.push_back(ENC(m));
    for (const auto& b : listed)
      if (!cheater(dkg::sender(MSG(b)))) want.push_back(b);
    EXPECT_EQ(own, want) << "line " << v.line;
    for (const auto& b : listed) {
      const auto m = MSG(b);
      if (auto to = dkg::recipient(m)) (void)parties[to->value() - 1].receive(m);
      else
        for (auto& p : parties) (void)p.receive(m);
    }
    for (auto& p : parties) p.close();
  }
  const auto key_shares = v.hex_list("key_shares").value();
  ASSERT_EQ(key_shares.size(), finishing.size());
  for (std::size_t a = 0; a < finishing.size(); ++a) {
    auto o = parties[finishing[a].value() - 1].finish();
    ASSERT_TRUE(o.has_value()) << o.error().message();
    EXPECT_EQ(o->public_key.encode(), H(v, "public_key"));
    const auto e = o->share.encode();
    EXPECT_EQ(Bytes(e.begin(), e.end()), key_shares[a]);
    EXPECT_EQ(o->qualified, indices(v, "qualified"));
    std::vector<PartyIndex> disqualified;
    for (const auto& [i, why] : o->disqualified) disqualified.push_back(i);
    EXPECT_EQ(disqualified, indices(v, "disqualified"));
  }
}

// Each refused check of a DKG vector: the equation fails, or the state machine refuses with blame.
void check_dkg_refusal(const Vector& v, dkg::Protocol protocol) {
  const std::string check = v.text("check").value();
  SystemRng rng;
  const auto deal = std::get<dkg::Deal>(MSG(H(v, "deal")));
  auto close = [](dkg::Party& p, int times) {
    for (int i = 0; i < times; ++i) p.close();
  };
  if (check == "feldman" || check == "pedersen" || check == "feldman_from_1") {
    const auto share = std::get<dkg::Share>(MSG(H(v, "share")));
    const bool holds = check == "pedersen" ? vss::pedersen_holds(deal.commitments, share.to, share.s, share.s_prime)
                                           : vss::feldman_holds(deal.commitments, share.to, share.s, check == "feldman" ? 0 : 1);
    EXPECT_FALSE(holds) << "line " << v.line;
    dkg::Party to(protocol, share.to, 3, 5, rng);  // the recipient complains against the dealer
    ASSERT_TRUE(to.receive(deal).has_value());
    ASSERT_TRUE(to.receive(share).has_value());
    to.close();
    const auto complaints = to.complaints();
    EXPECT_TRUE(std::any_of(complaints.begin(), complaints.end(), [&](const dkg::Complaint& c) { return c.against == share.from; }));
    EXPECT_EQ(std::vector<PartyIndex>{share.from}, indices(v, "blame"));
  } else if (check == "equivocation") {
    dkg::Party p(protocol, *PartyIndex::make(1), 3, 5, rng);
    ASSERT_TRUE(p.receive(deal).has_value());
    expect_error(p.receive(MSG(H(v, "second_deal"))), v);
  } else if (check == "extraction_complaint") {
    const auto complaint = std::get<dkg::Complaint>(MSG(H(v, "complaint")));
    ASSERT_TRUE(complaint.evidence.has_value());
    dkg::Party p(protocol, complaint.from, 3, 5, rng);
    ASSERT_TRUE(p.receive(deal).has_value());
    ASSERT_TRUE(p.receive(*complaint.evidence).has_value());
    close(p, 3);  // deal, complain, justify
    ASSERT_EQ(p.round(), dkg::Round::extract);
    ASSERT_TRUE(p.receive(MSG(H(v, "extraction"))).has_value());
    p.close();
    expect_error(p.receive(complaint), v);
  } else if (check == "reshare_constant") {
    // A party at the dealers' epoch refuses the deal whose C_0 is not lambda_j^D Y_j, and blames j.
    const dkg::Resharing plan{indices(v, "dealers"), static_cast<uint32_t>(v.number("from_epoch").value())};
    auto p = dkg::Party::resharing(*PartyIndex::make(1), 3, 5, plan,
                                   {tdh2::PublicKey::decode(H(v, "previous_public_key")).value(), tdh2::KeyShare::decode(H(v, "key_share")).value()}, rng)
                 .value();
    expect_error(p.receive(deal), v);
  } else if (check == "reveal") {
    dkg::Party p(protocol, *PartyIndex::make(1), 3, 5, rng);
    ASSERT_TRUE(p.receive(deal).has_value());
    close(p, 5);
    ASSERT_EQ(p.round(), dkg::Round::reveal);
    expect_error(p.receive(MSG(H(v, "reveal"))), v);
  } else {
    ADD_FAILURE() << "unknown check " << check;
  }
}

TEST(Vectors, DkgRuns) {
  const std::pair<const char*, dkg::Protocol> files[] = {{"dkg/joint_feldman", dkg::Protocol::joint_feldman},
                                                         {"dkg/gjkr", dkg::Protocol::gjkr},
                                                         {"dkg/refresh", dkg::Protocol::refresh},
                                                         {"dkg/reshare", dkg::Protocol::reshare},
                                                         {"dkg/equivocating_dealer", dkg::Protocol::joint_feldman},
                                                         {"dkg/extraction_cheater", dkg::Protocol::gjkr}};
  for (const auto& [file, protocol] : files) {
    SCOPED_TRACE(file);
    int valid = 0, invalid = 0;
    for (const auto& v : load(file)) {
      if (v.valid) {
        ++valid;
        check_dkg_run(v);
      } else {
        ++invalid;
        check_dkg_refusal(v, protocol);
      }
    }
    EXPECT_EQ(valid, 1);
    EXPECT_GE(invalid, 1);
  }
}

TEST(Vectors, Ed25519EdgeCasesAsLibsodiumDecidesThem) {
  for (const auto& v : load("signature/ed25519_edge_cases")) {
    signature::VerifyKey pk{};
    signature::Signature sig{};
    const auto key = H(v, "public_key"), s = H(v, "signature");
    std::copy(key.begin(), key.end(), pk.begin());
    std::copy(s.begin(), s.end(), sig.begin());
    EXPECT_EQ(signature::verify(v.fields.at("tag"), H(v, "message"), sig, pk), v.valid) << "line " << v.line;
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
  bool take_rate(const request::VerifyKey&, uint64_t) override { return rate; }
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
    "refuse_warrant_ca_as_judge", "refuse_warrant_repeated_judge", "refuse_warrant_too_few_judges", "refuse_crl_below_floor",
    "refuse_crl_unreadable", "refuse_rate_limited", "field_out_of_scope_target", "field_out_of_scope_window", "field_over_budget", "field_invalid",
    "field_malformed", "field_repeats_and_garbage_logged_once", "refuse_two_checks_earlier_reason"};

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
      // The reason text is this implementation's own except where SPEC 11.2 fixes it (an accepted
      // request's is empty, the rate refusal's is logged): DOORMAT_VECTORS_SPEC_ONLY compares
      // only those, as the mutation test asks of an independent implementation.
      if (std::getenv("DOORMAT_VECTORS_SPEC_ONLY") == nullptr || !d.refusal || *d.refusal == trustee::Refusal::rate_limited) {
        EXPECT_EQ(d.reason, v.fields.at("reason"));
      }
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
      EXPECT_EQ(d.change.rate_fields, v.number("rate_fields").value());
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

template <std::size_t N>
std::array<uint8_t, N> fixed(const Vector& v, const std::string& name) {
  const auto b = H(v, name);
  std::array<uint8_t, N> out{};
  EXPECT_EQ(b.size(), N) << name;
  std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
  return out;
}

TEST(Vectors, X25519LowOrderKeysAreRefusedAsRecipientAndAgencyKeys) {
  for (const auto& v : load("envelope/x25519_low_order_keys")) {
    const auto key = fixed<32>(v, "x25519_public");
    EXPECT_EQ(sealed_box::usable(key), v.valid) << "line " << v.line;
    const auto w = warrant::Warrant::decode(H(v, "warrant"));
    if (v.valid) {
      ASSERT_TRUE(w.has_value()) << w.error().message();
      EXPECT_EQ(w->agency_box_key, key);
      continue;
    }
    expect_error(w, v);
    DeterministicRng rng("unused");
    const auto label = SessionLabel::make("alice", "bob", 1, rng).value();
    const auto dealt = tdh2::deal(2, 3, rng).value();
    expect_error(envelope::seal(dealt.public_key, label, key, Bytes{1}, rng), v);
  }
}

TEST(Vectors, SealedResponseOpensParsesAndVerifies) {
  for (const auto& v : load("request/sealed_response")) {
    if (!v.valid && !v.fields.contains("sealed")) {
      const auto r = request::DecryptResponse::decode(H(v, "response")).value();
      EXPECT_FALSE(request::verify_signature(r, fixed<32>(v, "trustee_sign_public")));
      continue;
    }
    Secret<32> sk;
    const auto s = H(v, "agency_box_secret");
    std::copy(s.begin(), s.end(), sk.expose().begin());
    const auto opened = request::unseal(H(v, "sealed"), fixed<32>(v, "agency_box_public"), sk);
    if (!v.valid) {
      expect_error(opened, v);
      continue;
    }
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(*opened, H(v, "response"));
    const auto r = request::DecryptResponse::decode(*opened).value();
    EXPECT_TRUE(request::verify_signature(r, fixed<32>(v, "trustee_sign_public")));
    EXPECT_EQ(r.request_hash, request::DecryptRequest::decode(H(v, "request")).value().hash());
    // The box is the one the listed ephemeral seed makes.
    ReplayRng rng(v.hex_list("rng_draws").value());
    EXPECT_EQ(request::seal(*opened, fixed<32>(v, "agency_box_public"), rng).value(), H(v, "sealed"));
  }
}

TEST(Vectors, DkgSignedFrameOpensOrIsRefusedInItsOrder) {
  for (const auto& v : load("dkg/signed_frame")) {
    const dkg::FrameContext context{fixed<16>(v, "ceremony"), dkg::Protocol::gjkr, dkg::Round::deal};
    ASSERT_EQ(v.fields.at("protocol"), "gjkr");
    ASSERT_EQ(v.fields.at("round"), "deal");
    const auto box_pk = fixed<32>(v, "me_box_public");
    dkg::BoxSecretKey box_sk;
    const auto s = H(v, "me_box_secret");
    std::copy(s.begin(), s.end(), box_sk.expose().begin());
    const auto me = PartyIndex::make(static_cast<uint32_t>(v.number("me").value())).value();
    auto frame = dkg::parse_frame(H(v, "frame"));
    ASSERT_TRUE(frame.has_value()) << "line " << v.line;
    const auto m = dkg::open_frame(*frame, context, fixed<32>(v, "sender_sign_public"), {me, box_pk, box_sk});
    if (!v.valid) {
      expect_error(m, v);
      continue;
    }
    ASSERT_TRUE(m.has_value()) << m.error().message();
    const auto bytes = dkg::encode(*m);
    EXPECT_EQ(Bytes(bytes.begin(), bytes.end()), H(v, "message"));
  }
}

}  // namespace
}  // namespace escrow::vectors
