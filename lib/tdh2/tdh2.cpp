#include "escrow/tdh2.hpp"

#include "tdh2_detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "escrow/dleq.hpp"
#include "escrow/dleq_batch.hpp"
#include "escrow/ct.hpp"
#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/shamir.hpp"
#include "escrow/wire.hpp"

namespace escrow::tdh2 {
using group::Point;
using group::Scalar;
using group::SecretScalar;

namespace {

// SPEC §3.7: a partial decryption whose proof carries its commitments is version 2 of type 04;
// SPEC §3.5: an escrow field whose validity proof does is version 2 of type 03.
constexpr uint8_t kPartialVersionCommitted = 2;
constexpr uint8_t kCiphertextVersionCommitted = 2;

// H1: the 32-byte mask that hides K. SPEC §5.2. Input rY is secret until decryption.
std::array<uint8_t, kSessionKeyBytes> mask(const Point& ry) {
  return Hasher(domain::kTdh2Mask, kSessionKeyBytes).add(ry.to_bytes()).finish<kSessionKeyBytes>();
}

// c = K xor H1(rY); out is public (it is the ciphertext), the inputs are secret.
std::array<uint8_t, kSessionKeyBytes> mask_key(std::span<const uint8_t, kSessionKeyBytes> key, const Point& ry) {
  auto m = mask(ry);
  for (std::size_t i = 0; i < kSessionKeyBytes; ++i) m[i] ^= key[i];
  return m;
}

// The validity statement log_G u = log_Gbar ubar, bound to (c, L) through the proof context: 4.3's
// check for version 1, 4.4's for version 2.
bool validity_proof_holds(const Ciphertext& ct) {
  const dleq::Statement statement{Point::generator(), ct.u, Point::generator_bar(), ct.ubar};
  if (ct.format == CiphertextFormat::commitments)
    return dleq::verify_committed(domain::kTdh2ValidityCommitted, {ct.c, ct.label}, statement, {ct.w, ct.wbar, ct.f});
  return dleq::verify(domain::kTdh2Validity, {ct.c, ct.label}, statement, {ct.e, ct.f});
}

// Lagrange coefficients at 0 for a quorum, cached per thread: an investigator combines many
// fields with the same k trustees, and the coefficients depend only on the indices (public).
const std::vector<Scalar>& cached_lagrange(const std::vector<PartyIndex>& quorum) {
  thread_local std::map<std::vector<PartyIndex>, std::vector<Scalar>> cache;
  if (auto it = cache.find(quorum); it != cache.end()) return it->second;
  if (cache.size() >= 64) cache.clear();
  return cache.emplace(quorum, shamir::lagrange_coefficients(quorum).value()).first->second;
}

// K = c xor H1(sum lambda_i u_i) over a quorum given in ascending index order.
SessionKey interpolate_key(const Ciphertext& ct, const std::vector<const PartialDecryption*>& quorum) {
  std::vector<PartyIndex> idx;
  for (auto* pd : quorum) idx.push_back(pd->index);
  const auto& lambda = cached_lagrange(idx);
  // One Straus chain for the k products (SPEC §8): the lambda_i are public, the u_i follow the
  // secret r·Y, and multi_mul_public_scalars's time depends on the scalars only.
  std::vector<Point> shares;
  shares.reserve(quorum.size());
  for (auto* pd : quorum) shares.push_back(pd->u_i);
  const Point ry = group::multi_mul_public_scalars(lambda, shares);
  SessionKey key;
  auto recovered = mask_key(ct.c, ry);  // c xor H1(rY) = K
  std::copy(recovered.begin(), recovered.end(), key.expose().begin());
  sodium_memzero(recovered.data(), recovered.size());
  return key;
}

// The checks that cost nothing: duplicates (the caller's error), index range and epoch (blamed).
Result<std::vector<const PartialDecryption*>> cheap_checks(const PublicKey& pk, std::span<const PartialDecryption> partials,
                                                           std::vector<PartyIndex>& cheaters, std::string_view fn) {
  std::vector<PartyIndex> seen;
  for (const auto& pd : partials) seen.push_back(pd.index);
  std::sort(seen.begin(), seen.end());
  if (auto dup = std::adjacent_find(seen.begin(), seen.end()); dup != seen.end())
    return fail(ErrorCategory::malformed, fn, fmt::format("party {} appears twice", dup->value()));
  std::vector<const PartialDecryption*> plausible;
  for (const auto& pd : partials) {
    // Public: u_i travels on the wire (tests/ct/ marks it secret only to follow it into the interpolation).
    const bool bad_commitment = pd.format == PartialFormat::commitments && (pd.a1.is_identity() || pd.a2.is_identity());
    if (pd.index.value() > pk.n || pd.epoch != pk.epoch || ct::declassify(pd.u_i.is_identity()) || bad_commitment)
      cheaters.push_back(pd.index);
    else plausible.push_back(&pd);
  }
  std::sort(plausible.begin(), plausible.end(), [](auto* a, auto* b) { return a->index < b->index; });
  return plausible;
}

// The proof that ends an escrow field (SPEC §3.5) or a partial (§3.7), as read: version 1's (e, f)
// from `first` and `second`, or version 2's commitments and response (first, second, third), each
// checked as every point and scalar is (a commitment canonical, not the identity: s = 0 is no
// honest nonce; e and f may be zero, improbable but not invalid). `names` are the caller's for the
// three (w, wbar, f or a1, a2, f_i; in version 1 e, f or e_i, f_i); `blame` its party, if any.
struct ReadProof {
  Scalar e;   // version 1
  Point a1{}, a2{};  // version 2
  Scalar f;
};
using Raw32 = std::array<uint8_t, 32>;
Result<ReadProof> read_proof(bool committed, const Raw32& first, const Raw32& second, const Raw32& third,
                             std::array<std::string_view, 3> names, std::string_view fn, std::vector<PartyIndex> blame) {
  ReadProof out;
  const auto bad = [&](std::string_view name, const Error& e) { return fail(ErrorCategory::malformed, fn, fmt::format("{}: {}", name, e.detail), blame); };
  if (committed) {
    auto a1 = Point::from_bytes(first);
    if (!a1) return bad(names[0], a1.error());
    auto a2 = Point::from_bytes(second);
    if (!a2) return bad(names[1], a2.error());
    out.a1 = *a1;
    out.a2 = *a2;
  } else {
    auto e = Scalar::from_bytes(first, group::ZeroScalar::allow);
    if (!e) return bad(names[0], e.error());
    out.e = *e;
  }
  auto f = Scalar::from_bytes(committed ? third : second, group::ZeroScalar::allow);
  if (!f) return bad(names[committed ? 2 : 1], f.error());
  out.f = *f;
  return out;
}

}  // namespace

std::array<uint8_t, 5> partial_proof_context(uint32_t epoch, PartyIndex index) {
  return {static_cast<uint8_t>(epoch >> 24), static_cast<uint8_t>(epoch >> 16), static_cast<uint8_t>(epoch >> 8),
          static_cast<uint8_t>(epoch), index.value()};
}

// ---- PublicKey ----

Result<PublicKey> PublicKey::make(uint8_t k, uint8_t n, uint32_t epoch, Point y, std::vector<Point> keys) {
  constexpr std::string_view fn = "tdh2::PublicKey::make";
  if (k < 1 || k > n) return fail(ErrorCategory::malformed, fn, fmt::format("need 1 <= k <= n, got {}-of-{}", k, n));
  if (keys.size() != n) return fail(ErrorCategory::malformed, fn, fmt::format("{} verification keys for n = {}", keys.size(), n));
  if (y.is_identity()) return fail(ErrorCategory::malformed, fn, "Y is the identity");
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i].is_identity()) return fail(ErrorCategory::malformed, fn, fmt::format("Y_{} is the identity", i + 1));

  // Y = f(0) G and Y_j = f(j) G for one f of degree k-1: interpolate from Y_1..Y_k and compare.
  std::vector<PartyIndex> base;
  for (uint32_t i = 1; i <= k; ++i) base.push_back(*PartyIndex::make(i));
  std::span<const Point> base_points(keys.data(), k);
  auto at_zero = shamir::interpolate_in_exponent(base, base_points);
  if (!at_zero || !(*at_zero == y)) return fail(ErrorCategory::malformed, fn, "Y is not the interpolation of Y_1..Y_k");
  for (uint32_t j = k + 1; j <= n; ++j) {
    auto at_j = shamir::interpolate_in_exponent(base, base_points, Scalar::from_u64(j));
    if (!at_j || !(*at_j == keys[j - 1]))
      return fail(ErrorCategory::malformed, fn, fmt::format("Y_{} is off the degree-{} polynomial", j, k - 1));
  }
  return PublicKey{k, n, epoch, std::move(y), std::move(keys), {}};
}

std::vector<uint8_t> PublicKey::encode() const {
  wire::Writer w;
  w.header(wire::ObjectType::tdh2_public_key).u8(k).u8(n).u32(epoch).bytes(y.to_bytes());
  for (const auto& yi : verification_keys) w.bytes(yi.to_bytes());
  return w.take();
}

Result<PublicKey> PublicKey::decode(std::span<const uint8_t> bytes) {
  constexpr std::string_view fn = "tdh2::PublicKey::decode";
  wire::Reader r(bytes, fn);
  r.header(wire::ObjectType::tdh2_public_key);
  const uint8_t k = r.u8(), n = r.u8();
  const uint32_t epoch = r.u32();
  const auto y = r.fixed<32>();
  std::vector<std::array<uint8_t, 32>> raw;
  for (unsigned i = 0; r.ok() && i < n; ++i) raw.push_back(r.fixed<32>());
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());

  auto yp = Point::from_bytes(y);
  if (!yp) return fail(ErrorCategory::malformed, fn, "Y: " + yp.error().detail);
  std::vector<Point> keys;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto p = Point::from_bytes(raw[i]);
    if (!p) return fail(ErrorCategory::malformed, fn, fmt::format("Y_{}: {}", i + 1, p.error().detail));
    keys.push_back(*p);
  }
  return make(k, n, epoch, *yp, std::move(keys));
}

// ---- KeyShare ----

SecureBytes KeyShare::encode() const {
  // Into a zeroizing buffer, x_i by reference: no unwiped copy of the share is left behind, not
  // even by a reallocation while the buffer grows.
  return wire::SecretWriter()
      .header(wire::ObjectType::tdh2_key_share)
      .u32(epoch_)
      .u8(index_.value())
      .bytes(secret_.expose_secret().to_bytes())
      .take();
}

Result<KeyShare> KeyShare::decode(std::span<const uint8_t> bytes) {
  constexpr std::string_view fn = "tdh2::KeyShare::decode";
  wire::Reader r(bytes, fn);
  r.header(wire::ObjectType::tdh2_key_share);
  const uint32_t epoch = r.u32();
  const auto index = PartyIndex::make(r.u8());
  auto x = r.bytes(32);
  if (r.ok() && !index) r.reject("party index 0");
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  auto secret = SecretScalar::from_bytes(x);
  if (!secret) return fail(ErrorCategory::malformed, fn, "share: " + secret.error().detail);
  return KeyShare(*index, epoch, std::move(*secret));
}

// ---- Ciphertext ----

std::vector<uint8_t> Ciphertext::encode() const {
  // SPEC §3.5: the version byte names the proof form; the fields up to ubar are the same in both.
  const bool committed = format == CiphertextFormat::commitments;
  wire::Writer out;
  out.header(wire::ObjectType::tdh2_ciphertext, committed ? kCiphertextVersionCommitted : wire::kVersion);
  out.bytes(c).bytes_u16(label).bytes(u.to_bytes()).bytes(ubar.to_bytes());
  if (committed) out.bytes(w.to_bytes()).bytes(wbar.to_bytes()).bytes(f.to_bytes());
  else out.bytes(e.to_bytes()).bytes(f.to_bytes());
  return out.take();
}

Result<Ciphertext> Ciphertext::decode(std::span<const uint8_t> bytes) {
  constexpr std::string_view fn = "tdh2::Ciphertext::decode";
  // The version byte (SPEC §3.1, offset 4) picks the layout; any other version fails header().
  const bool committed = bytes.size() > 4 && bytes[4] == kCiphertextVersionCommitted;
  wire::Reader r(bytes, fn);
  r.header(wire::ObjectType::tdh2_ciphertext, committed ? kCiphertextVersionCommitted : wire::kVersion);
  Ciphertext ct;
  ct.c = r.fixed<32>();
  auto label = r.bytes_u16(kMaxLabelBytes);
  // version 1: e, f; version 2: w, wbar, f.
  const auto u = r.fixed<32>(), ubar = r.fixed<32>(), first = r.fixed<32>(), second = r.fixed<32>();
  const auto third = committed ? r.fixed<32>() : std::array<uint8_t, 32>{};
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  ct.label.assign(label.begin(), label.end());

  auto up = Point::from_bytes(u);
  if (!up) return fail(ErrorCategory::malformed, fn, "u: " + up.error().detail);
  auto ubarp = Point::from_bytes(ubar);
  if (!ubarp) return fail(ErrorCategory::malformed, fn, "ubar: " + ubarp.error().detail);
  ct.u = *up;
  ct.ubar = *ubarp;
  auto proof = read_proof(committed, first, second, third, committed ? std::array<std::string_view, 3>{"w", "wbar", "f"}
                                                                     : std::array<std::string_view, 3>{"e", "f", ""}, fn, {});
  if (!proof) return escrow::unexpected(proof.error());
  ct.format = committed ? CiphertextFormat::commitments : CiphertextFormat::challenge;
  ct.e = proof->e;
  ct.w = proof->a1;
  ct.wbar = proof->a2;
  ct.f = proof->f;
  return ct;
}

// ---- PartialDecryption ----

std::vector<uint8_t> PartialDecryption::encode() const {
  wire::Writer w;
  // SPEC §3.7: the version byte names the proof form; the fields up to u_i are the same in both.
  const bool committed = format == PartialFormat::commitments;
  w.header(wire::ObjectType::tdh2_partial_decryption, committed ? kPartialVersionCommitted : wire::kVersion);
  w.u32(epoch).u8(index.value()).bytes(u_i.to_bytes());
  if (committed) w.bytes(a1.to_bytes()).bytes(a2.to_bytes()).bytes(f_i.to_bytes());
  else w.bytes(e_i.to_bytes()).bytes(f_i.to_bytes());
  return w.take();
}

Result<PartialDecryption> PartialDecryption::decode(std::span<const uint8_t> bytes) {
  constexpr std::string_view fn = "tdh2::PartialDecryption::decode";
  // The version byte (SPEC §3.1, offset 4) picks the layout; any other version fails header().
  const bool committed = bytes.size() > 4 && bytes[4] == kPartialVersionCommitted;
  wire::Reader r(bytes, fn);
  r.header(wire::ObjectType::tdh2_partial_decryption, committed ? kPartialVersionCommitted : wire::kVersion);
  const uint32_t epoch = r.u32();
  const auto index = PartyIndex::make(r.u8());
  const auto ui = r.fixed<32>();
  // version 1: e_i, f_i; version 2: a1, a2, f_i.
  const auto first = r.fixed<32>(), second = r.fixed<32>();
  const auto third = committed ? r.fixed<32>() : std::array<uint8_t, 32>{};
  if (r.ok() && !index) r.reject("party index 0");
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  auto uip = Point::from_bytes(ui);
  if (!uip) return fail(ErrorCategory::malformed, fn, "u_i: " + uip.error().detail, {*index});
  auto proof = read_proof(committed, first, second, third, committed ? std::array<std::string_view, 3>{"a1", "a2", "f_i"}
                                                                     : std::array<std::string_view, 3>{"e_i", "f_i", ""}, fn, {*index});
  if (!proof) return escrow::unexpected(proof.error());
  PartialDecryption pd{*index, epoch, *uip, proof->e, proof->f};
  pd.format = committed ? PartialFormat::commitments : PartialFormat::challenge;
  pd.a1 = proof->a1;
  pd.a2 = proof->a2;
  return pd;
}

// ---- key generation ----

Result<Dealt> deal(std::size_t k, std::size_t n, Rng& rng) {
  const auto x = SecretScalar::random(rng);
  auto shares = shamir::split(x.expose_secret(), k, n, rng);
  if (!shares) return escrow::unexpected(shares.error());
  std::vector<Point> keys;
  std::vector<KeyShare> key_shares;
  for (auto& s : *shares) {
    keys.push_back(Point::base_mul(s.value));
    key_shares.emplace_back(s.index, 0, SecretScalar(s.value));
  }
  auto pk = PublicKey::make(static_cast<uint8_t>(k), static_cast<uint8_t>(n), 0, Point::base_mul(x.expose_secret()),
                            std::move(keys));
  if (!pk) return escrow::unexpected(pk.error());
  return Dealt{std::move(*pk), std::move(key_shares)};
}

SessionKey random_session_key(Rng& rng) {
  SessionKey key;
  rng.fill(key.expose());
  return key;
}

// ---- decryption core ----

namespace detail {
// SPEC §5.5 after Verify has passed: u_i = x_i u and its DLEQ proof. Reachable only with a
// VerifiedCiphertext.
Result<PartialDecryption> partial_decrypt_with(const PublicKey& pk, const KeyShare& share, const VerifiedCiphertext& verified,
                                               const SecretScalar& nonce, PartialFormat format) {
  constexpr std::string_view fn = "tdh2::partial_decrypt";
  const Ciphertext& ct = verified.get();
  if (share.index().value() > pk.n) return fail(ErrorCategory::malformed, fn, "share index beyond n");
  if (share.epoch() != pk.epoch)
    return fail(ErrorCategory::policy_denied, fn, fmt::format("share is from epoch {}, key is at {}", share.epoch(), pk.epoch));
  const Scalar& x = share.expose_secret();
  // Two secrets multiply u (x_i and the proof's nonce): one table of u, built for this field,
  // takes both in constant time, faster than two ladders (BENCHMARKS.md). Under libsodium the
  // "table" is u itself.
  const group::FixedBase u_table(ct.u);
  PartialDecryption pd{share.index(), pk.epoch, u_table.mul(x), {}, {}};
  const auto context = partial_proof_context(pk.epoch, share.index());
  const dleq::Statement statement{Point::generator(), pk.verification_key(share.index()), ct.u, pd.u_i, nullptr, &u_table};
  if (format == PartialFormat::commitments) {
    auto proof = dleq::prove_committed_with_nonce(domain::kTdh2PartialProofCommitted, {context}, statement, x,
                                                  nonce.expose_secret());
    pd.format = PartialFormat::commitments;
    pd.a1 = std::move(proof.a1);
    pd.a2 = std::move(proof.a2);
    pd.f_i = std::move(proof.response);
    return pd;
  }
  auto proof = dleq::prove_with_nonce(domain::kTdh2PartialProof, {context}, statement, x, nonce.expose_secret());
  pd.e_i = std::move(proof.challenge);
  pd.f_i = std::move(proof.response);
  return pd;
}

// ---- encryption ----

Result<Ciphertext> encrypt_with(const PublicKey& pk, const SessionKey& key, std::span<const uint8_t> label,
                                const SecretScalar& secret_r, const SecretScalar& secret_s, CiphertextFormat format) {
  constexpr std::string_view fn = "tdh2::encrypt";
  const Scalar& r = secret_r.expose_secret();
  const Scalar& s = secret_s.expose_secret();
  if (label.size() > kMaxLabelBytes) return fail(ErrorCategory::malformed, fn, "label over 1024 bytes");
  // Public: zero randomness is a broken RNG or caller, never an honest run (tests/ct/, encrypt).
  // `|`, not `||`: both are tested whatever the first one is, so the time does not tell whether
  // r is zero.
  const unsigned zero = static_cast<unsigned>(r.is_zero()) | static_cast<unsigned>(s.is_zero());
  if (ct::declassify(zero) != 0) return fail(ErrorCategory::internal, fn, "zero randomness");
  Ciphertext ct;
  ct.label.assign(label.begin(), label.end());
  ct.c = mask_key(key.expose(), pk.tables.y(pk).mul(r));  // Y's table: constant time, r is secret
  ct.u = Point::base_mul(r);
  ct.ubar = Point::generator_bar() * r;
  // SPEC §5.2: the DLEQ proof with witness r and nonce s, w = sG, wbar = s Gbar; version 2 sends
  // (w, wbar, f), version 1 (e, f).
  const dleq::Statement statement{Point::generator(), ct.u, Point::generator_bar(), ct.ubar};
  if (format == CiphertextFormat::commitments) {
    auto proof = dleq::prove_committed_with_nonce(domain::kTdh2ValidityCommitted, {ct.c, ct.label}, statement, r, s);
    ct.format = CiphertextFormat::commitments;
    ct.w = std::move(proof.a1);
    ct.wbar = std::move(proof.a2);
    ct.f = std::move(proof.response);
    return ct;
  }
  auto proof = dleq::prove_with_nonce(domain::kTdh2Validity, {ct.c, ct.label}, statement, r, s);
  ct.e = std::move(proof.challenge);
  ct.f = std::move(proof.response);
  return ct;
}

SecretScalar derive_r(const SessionKey& key, std::span<const uint8_t> label) {
  return SecretScalar(group::hash_to_scalar(domain::kTdh2RecipientR, {key.expose(), label}));
}

}  // namespace detail

Result<Ciphertext> encrypt(const PublicKey& pk, const SessionKey& key, std::span<const uint8_t> label, Rng& rng) {
  const auto r = SecretScalar::random(rng);
  const auto s = SecretScalar::random(rng);
  return detail::encrypt_with(pk, key, label, r, s, CiphertextFormat::commitments);
}

Result<Ciphertext> encrypt_recipient_verifiable(const PublicKey& pk, const SessionKey& key,
                                                std::span<const uint8_t> label, Rng& rng) {
  const auto r = detail::derive_r(key, label);
  const auto s = SecretScalar::random(rng);
  return detail::encrypt_with(pk, key, label, r, s, CiphertextFormat::commitments);
}

namespace {
// SPEC §5.3's checks without arithmetic. A parsed field never fails the identity checks (3.5 refuses
// the identity); they guard fields built in memory.
Result<void> cheap_validity_checks(const Ciphertext& ct) {
  if (ct.label.size() > kMaxLabelBytes) return fail(ErrorCategory::malformed, "tdh2::verify", "label over 1024 bytes");
  if (ct.u.is_identity() || ct.ubar.is_identity())
    return fail(ErrorCategory::malformed, "tdh2::verify", "identity point in ciphertext");
  if (ct.format == CiphertextFormat::commitments && (ct.w.is_identity() || ct.wbar.is_identity()))
    return fail(ErrorCategory::malformed, "tdh2::verify", "a proof commitment is the identity");
  return {};
}

// SPEC §5.3 without taking the field: combine() and check_recipient() check a field they only borrow.
Result<void> verify_in_place(const Ciphertext& ct) {
  if (auto ok = cheap_validity_checks(ct); !ok) return ok;
  if (!validity_proof_holds(ct)) return fail(ErrorCategory::invalid_proof, "tdh2::verify", "validity proof does not hold");
  return {};
}

// SPEC §5.3's batch: for each version-2 field j, with e_j its recomputed challenge,
//   f_j G = w_j + e_j u_j   and   f_j Gbar = wbar_j + e_j ubar_j,
// in one dleq::CommittedBatch over G and Gbar (as combine's batch_holds below does for the
// partials): a false accept has probability at most 2^-128. VARIABLE TIME, public inputs.
bool validity_batch_holds(std::span<const Ciphertext* const> batch, Rng& rng);
}  // namespace

Result<VerifiedCiphertext> verify(const PublicKey&, Ciphertext ct) {
  if (auto ok = verify_in_place(ct); !ok) return escrow::unexpected(ok.error());
  return VerifiedCiphertext(std::move(ct));
}

bool verify_batch_vartime(std::span<const Ciphertext> cts, Rng& rng) {
  std::vector<const Ciphertext*> batch;
  for (const auto& ct : cts) batch.push_back(&ct);
  return validity_batch_holds(batch, rng);
}

std::vector<Result<VerifiedCiphertext>> verify_all(const PublicKey&, std::vector<Ciphertext> cts) {
  // Each field's verdict, as verify() would give it: the cheap checks first, then the batch of the
  // version-2 fields that passed them, then one by one whatever the batch did not settle.
  std::vector<std::optional<Error>> refused(cts.size());
  std::vector<bool> batch_held(cts.size(), false);
  std::vector<const Ciphertext*> batch;
  std::vector<std::size_t> in_batch;
  for (std::size_t i = 0; i < cts.size(); ++i) {
    if (auto ok = cheap_validity_checks(cts[i]); !ok) {
      refused[i] = ok.error();
    } else if (cts[i].format == CiphertextFormat::commitments) {
      batch.push_back(&cts[i]);
      in_batch.push_back(i);
    }
  }
  // One field alone is cheaper checked as verify() does; under libsodium every field is (5.7's
  // reason: its multi-scalar product is the naive sum). The senders must not know the weights.
  if (group::kMultiMulIsFast && batch.size() > 1) {
    SystemRng weights;
    if (validity_batch_holds(batch, weights))
      for (auto i : in_batch) batch_held[i] = true;
  }
  std::vector<Result<VerifiedCiphertext>> out;
  out.reserve(cts.size());
  for (std::size_t i = 0; i < cts.size(); ++i) {
    if (!refused[i] && !batch_held[i])
      if (auto ok = verify_in_place(cts[i]); !ok) refused[i] = ok.error();
    if (refused[i]) out.emplace_back(escrow::unexpected(std::move(*refused[i])));
    else out.emplace_back(VerifiedCiphertext(std::move(cts[i])));
  }
  return out;
}

Result<void> check_recipient(const PublicKey& pk, const Ciphertext& ct, const SessionKey& key) {
  constexpr std::string_view fn = "tdh2::check_recipient";
  if (auto ok = verify_in_place(ct); !ok) return escrow::unexpected(ok.error());
  // SPEC §5.4. With the proof valid, u = rG and c = K xor H1(rY) pin down the field completely
  // (ubar = r Gbar follows from the proof).
  const auto r = detail::derive_r(key, ct.label);
  const auto expected_c = mask_key(key.expose(), pk.tables.y(pk).mul(r.expose_secret()));
  const bool c_ok = sodium_memcmp(expected_c.data(), ct.c.data(), expected_c.size()) == 0;
  const bool u_ok = Point::base_mul(r.expose_secret()) == ct.u;
  // Public: the recipient's accept/reject, the same for every honest sender.
  if (!ct::declassify(c_ok & u_ok)) return fail(ErrorCategory::invalid_proof, fn, "escrow field does not hide this session key");
  return {};
}

// ---- decryption ----

Result<PartialDecryption> partial_decrypt(const PublicKey& pk, const KeyShare& share, const VerifiedCiphertext& ct, Rng& rng) {
  return detail::partial_decrypt_with(pk, share, ct, SecretScalar::random(rng), PartialFormat::commitments);
}

Result<PartialDecryption> partial_decrypt(const PublicKey& pk, const KeyShare& share, const Ciphertext& ct, Rng& rng) {
  const auto nonce = SecretScalar::random(rng);  // drawn first, as always: the same stream either way
  auto verified = verify(pk, ct);
  if (!verified) return escrow::unexpected(verified.error());
  return detail::partial_decrypt_with(pk, share, *verified, nonce, PartialFormat::commitments);
}

Result<void> verify_partial(const PublicKey& pk, const Ciphertext& ct, const PartialDecryption& pd) {
  constexpr std::string_view fn = "tdh2::verify_partial";
  if (pd.index.value() > pk.n)
    return fail(ErrorCategory::malformed, fn, fmt::format("party {} beyond n = {}", pd.index.value(), pk.n), {pd.index});
  if (pd.epoch != pk.epoch)
    return fail(ErrorCategory::invalid_proof, fn,
                fmt::format("party {} answered for epoch {}, key is at {}", pd.index.value(), pd.epoch, pk.epoch), {pd.index});
  if (pd.u_i.is_identity()) return fail(ErrorCategory::malformed, fn, "u_i is the identity", {pd.index});
  const bool committed = pd.format == PartialFormat::commitments;
  if (committed && (pd.a1.is_identity() || pd.a2.is_identity()))
    return fail(ErrorCategory::malformed, fn, "a proof commitment is the identity", {pd.index});
  const auto context = partial_proof_context(pd.epoch, pd.index);
  const auto yi_table = pk.tables.verification_key(pk, pd.index);
  const dleq::Statement statement{Point::generator(), pk.verification_key(pd.index), ct.u, pd.u_i, &yi_table};
  const bool holds = committed ? dleq::verify_committed(domain::kTdh2PartialProofCommitted, {context}, statement,
                                                        {pd.a1, pd.a2, pd.f_i})
                               : dleq::verify(domain::kTdh2PartialProof, {context}, statement, {pd.e_i, pd.f_i});
  if (!holds)
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {}: DLEQ proof does not hold", pd.index.value()), {pd.index});
  return {};
}

namespace {
// The 5.6 checks that need no group arithmetic, for one partial. Public data.
bool passes_cheap_checks(const PublicKey& pk, const PartialDecryption& pd) {
  if (pd.index.value() > pk.n || pd.epoch != pk.epoch || pd.u_i.is_identity()) return false;
  return pd.format != PartialFormat::commitments || !(pd.a1.is_identity() || pd.a2.is_identity());
}

// SPEC §5.7's batch: for each version-2 partial i, with e_i its recomputed challenge,
//   f_i G = a1_i + e_i Y_i   and   f_i u = a2_i + e_i u_i,
// in one dleq::CommittedBatch over G and u. VARIABLE TIME, public inputs.
bool batch_holds(const PublicKey& pk, const Ciphertext& ct, std::span<const PartialDecryption* const> batch, Rng& rng) {
  dleq::CommittedBatch sum(Point::generator(), ct.u, batch.size());
  for (const PartialDecryption* pd : batch) {
    if (pd->format != PartialFormat::commitments || !passes_cheap_checks(pk, *pd)) return false;
    const auto context = partial_proof_context(pd->epoch, pd->index);
    const Point& yi = pk.verification_key(pd->index);
    const Scalar e = dleq::committed_challenge(domain::kTdh2PartialProofCommitted, {context},
                                               {Point::generator(), yi, ct.u, pd->u_i}, pd->a1, pd->a2);
    sum.add(yi, pd->u_i, pd->a1, pd->a2, pd->f_i, e, rng);
  }
  return sum.holds();
}

bool validity_batch_holds(std::span<const Ciphertext* const> batch, Rng& rng) {
  dleq::CommittedBatch sum(Point::generator(), Point::generator_bar(), batch.size());
  for (const Ciphertext* ct : batch) {
    if (ct->format != CiphertextFormat::commitments || !cheap_validity_checks(*ct)) return false;
    const Scalar e = dleq::committed_challenge(domain::kTdh2ValidityCommitted, {ct->c, ct->label},
                                               {Point::generator(), ct->u, Point::generator_bar(), ct->ubar}, ct->w, ct->wbar);
    sum.add(ct->u, ct->ubar, ct->w, ct->wbar, ct->f, e, rng);
  }
  return sum.holds();
}
}  // namespace

bool verify_partials_batch_vartime(const PublicKey& pk, const Ciphertext& ct, std::span<const PartialDecryption> partials,
                                   Rng& rng) {
  std::vector<const PartialDecryption*> batch;
  for (const auto& pd : partials) batch.push_back(&pd);
  return batch_holds(pk, ct, batch, rng);
}

Result<Combined> combine(const PublicKey& pk, const Ciphertext& ct, std::span<const PartialDecryption> partials) {
  constexpr std::string_view fn = "tdh2::combine";
  if (auto ok = verify_in_place(ct); !ok) return escrow::unexpected(ok.error());
  std::vector<PartyIndex> cheaters;
  auto plausible = cheap_checks(pk, partials, cheaters, fn);
  if (!plausible) return escrow::unexpected(plausible.error());
  // Verify every partial, not only until k pass: the report must name every cheater. Version 2 in
  // one batch first; when it fails (someone cheated), one by one, so that each is named as before.
  // The ciphertext's own proof stays outside this batch (SPEC §5.7): one field, checked once, above.
  std::vector<const PartialDecryption*> valid, batch;
  for (auto* pd : *plausible) {
    if (pd->format == PartialFormat::commitments) batch.push_back(pd);
    else if (verify_partial(pk, ct, *pd)) valid.push_back(pd);
    else cheaters.push_back(pd->index);
  }
  // Under libsodium the batch's product is the naive sum, dearer than the checks it replaces: each
  // is checked alone there, with the same result (the batch decides as they do).
  SystemRng weights;  // the provers must not know the weights (SPEC §5.7)
  if (group::kMultiMulIsFast && !batch.empty() && batch_holds(pk, ct, batch, weights)) {
    valid.insert(valid.end(), batch.begin(), batch.end());
  } else {
    for (auto* pd : batch) {
      if (verify_partial(pk, ct, *pd)) valid.push_back(pd);
      else cheaters.push_back(pd->index);
    }
  }
  std::sort(valid.begin(), valid.end(), [](auto* a, auto* b) { return a->index < b->index; });
  std::sort(cheaters.begin(), cheaters.end());
  if (valid.size() < pk.k)
    return fail(ErrorCategory::not_enough_shares, fn, fmt::format("{} valid of {} needed", valid.size(), pk.k), std::move(cheaters));
  valid.resize(pk.k);
  std::vector<PartyIndex> used;
  for (auto* pd : valid) used.push_back(pd->index);
  return Combined{interpolate_key(ct, valid), std::move(used), std::move(cheaters)};
}

Result<Combined> combine_optimistic(const PublicKey& pk, const Ciphertext& ct, std::span<const PartialDecryption> partials,
                                    const std::function<bool(const SessionKey&)>& accept) {
  constexpr std::string_view fn = "tdh2::combine_optimistic";
  std::vector<PartyIndex> cheaters;
  auto plausible = cheap_checks(pk, partials, cheaters, fn);
  if (!plausible) return escrow::unexpected(plausible.error());
  if (plausible->size() >= pk.k) {
    std::vector<const PartialDecryption*> quorum(plausible->begin(), plausible->begin() + pk.k);
    auto key = interpolate_key(ct, quorum);
    if (accept(key)) {
      std::vector<PartyIndex> used;
      for (auto* pd : quorum) used.push_back(pd->index);
      std::sort(cheaters.begin(), cheaters.end());
      return Combined{std::move(key), std::move(used), std::move(cheaters)};
    }
  }
  // Someone lied (or the field is not what the body was sealed with): the full check names them.
  auto full = combine(pk, ct, partials);
  if (!full) return full;
  if (!accept(full->key)) return fail(ErrorCategory::decryption_failed, fn, "valid partials, but the key does not open the message");
  return full;
}

}  // namespace escrow::tdh2
