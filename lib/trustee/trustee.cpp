// SPEC §11.2: the trustee's decision, one function per step, in order.
#include "escrow/trustee.hpp"

#include <fmt/format.h>

#include <set>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"

namespace escrow::trustee {
namespace {

// The request as far as it has been read: what the later steps need.
struct Parsed {
  request::DecryptRequest request;
  warrant::SignedWarrant warrant;
};

// Step 1. The request and its warrant parse. Nothing below trusts a byte that did not.
Result<Parsed> parse_request(std::span<const uint8_t> bytes) {
  auto req = request::DecryptRequest::decode(bytes);
  if (!req) return unexpected(req.error());
  auto sw = warrant::SignedWarrant::decode(req->signed_warrant);
  if (!sw) return unexpected(sw.error());
  return Parsed{std::move(*req), std::move(*sw)};
}

// Step 2. Signed by the agency key the warrant names (which proves nothing until step 5: anyone
// can make such a pair of keys).
bool check_agency_signature(const Parsed& p) { return request::verify_signature(p.request, p.warrant.warrant.agency_sign_key); }

// Step 3a. The request's time is within the freshness window of the trustee's clock.
std::optional<std::string> check_freshness(const Parsed& p, uint64_t freshness, uint64_t now) {
  const uint64_t skew = now > p.request.time ? now - p.request.time : p.request.time - now;
  if (skew <= freshness) return std::nullopt;
  return fmt::format("request time {} is {} s from the trustee's clock (limit {})", p.request.time, skew, freshness);
}

// Step 5. The warrant verifies against the root and the CRL as read now (SPEC §10.4).
Result<warrant::Verified> verify_warrant(const Parsed& p, const Policy& policy, uint64_t now) {
  if (!policy.crl_readable) return fail(ErrorCategory::policy_denied, "trustee::verify_warrant", "judicial CRL unreadable");
  return warrant::verify(p.warrant, policy.warrant, now);
}

}  // namespace

std::string_view error_code(Refusal r) {
  switch (r) {
    case Refusal::malformed: return "malformed_request";
    case Refusal::bad_signature: return "bad_agency_signature";
    case Refusal::stale: return "stale_request";
    case Refusal::replay: return "replayed_nonce";
    case Refusal::warrant_refused: return "warrant_refused";
    case Refusal::rate_limited: return "rate_limited";
    case Refusal::source_over_budget: return "source_over_budget";
  }
  return "refused";
}

std::array<uint8_t, 32> field_hash(std::span<const uint8_t> field) {
  return Hasher(domain::kEnvelopeFieldHash, 32).add(field).finish<32>();
}

std::array<uint8_t, 32> raw_request_hash(std::span<const uint8_t> bytes) {
  return Hasher(domain::kTrusteeRawRequest, 32).add(bytes).finish<32>();
}

// Step 7a. One field: it parses with a session label, passes TDH2 validity (SPEC §5.3), and the
// warrant covers the label the validity proof binds.
request::FieldStatus check_field(const tdh2::PublicKey& pk, std::span<const uint8_t> field,
                                 const std::function<bool(const SessionLabel&)>& covers, std::optional<tdh2::VerifiedCiphertext>& verified) {
  auto ct = tdh2::Ciphertext::decode(field);
  auto label = ct ? SessionLabel::decode(ct->label) : Result<SessionLabel>(unexpected(ct.error()));
  if (!ct || !label) return request::FieldStatus::malformed;
  auto checked = tdh2::verify(pk, std::move(*ct));  // verified once, here
  if (!checked) return request::FieldStatus::invalid_field;
  if (!covers(*label)) return request::FieldStatus::out_of_scope;
  verified = std::move(*checked);
  return request::FieldStatus::issued;  // a candidate: the budget decides, in request order
}

Decision decide(std::span<const uint8_t> bytes, const Policy& policy, const Key& key, StateView& state, uint64_t now, Rng& rng,
                const ParallelFor& parallel_in) {
  const ParallelFor parallel = parallel_in ? parallel_in : [](std::size_t n, const std::function<void(std::size_t)>& body) {
    for (std::size_t i = 0; i < n; ++i) body(i);
  };
  Decision d;
  d.request_hash = raw_request_hash(bytes);
  // A refusal of the whole request: one log entry once the warrant verified (steps 6 and on),
  // none before (the caller counts those).
  auto refused = [&](Refusal why, std::string reason) {
    d.refusal = why;
    d.reason = std::move(reason);
    if (d.authenticated) d.log = {{now, d.request_hash, d.change.warrant_hash, {}, static_cast<uint8_t>(why), d.reason}};
    return std::move(d);
  };
  // The trustee's own state could not be read: nothing decided, nothing logged.
  auto internal = [&] {
    d.internal_error = true;
    return std::move(d);
  };

  // 1. Parse.
  auto parsed = parse_request(bytes);
  if (!parsed) return refused(Refusal::malformed, parsed.error().detail);
  const auto& req = parsed->request;
  const auto& warrant = parsed->warrant.warrant;
  d.request_hash = req.hash();
  d.change.warrant_hash = parsed->warrant.hash();
  d.change.agency = warrant.agency_sign_key;
  d.change.request_time = req.time;
  d.agency_box_key = warrant.agency_box_key;

  // 2. The agency's signature.
  if (!check_agency_signature(*parsed)) return refused(Refusal::bad_signature, "request not signed by the warrant's agency key");

  // 3. Fresh, and never seen before.
  if (auto stale = check_freshness(*parsed, policy.freshness_seconds, now)) return refused(Refusal::stale, *stale);
  auto seen = state.nonce_seen(warrant.agency_sign_key, req.nonce);
  if (!seen) return internal();
  if (*seen) return refused(Refusal::replay, "this nonce was already used by this agency");

  // 4. A source refused too often in this interval does no X.509 work, unless the key that signed
  // is an agency's whose warrant verified here before.
  if (!state.agency_proven(warrant.agency_sign_key) && state.source_over_budget())
    return refused(Refusal::source_over_budget, "too many refused requests from this address");

  // 5. The warrant, verified alone, before any field is touched.
  auto verified = verify_warrant(*parsed, policy, now);
  if (!verified) return refused(Refusal::warrant_refused, verified.error().detail);
  d.authenticated = true;
  d.change.prove_agency = true;

  // 6. The agency's allowance, counted only for a caller a court named.
  if (!state.rate_allows(warrant.agency_sign_key)) return refused(Refusal::rate_limited, "rate limited");
  d.change.spend_rate_token = true;
  d.change.record_nonce = req.nonce;

  // 7. The fields. (a) In parallel: parse, validity, scope — pure functions of public data.
  const std::size_t n = req.fields.size();
  std::vector<request::FieldResult> results(n);
  std::vector<std::optional<tdh2::VerifiedCiphertext>> cts(n);
  std::vector<std::array<uint8_t, 32>> hashes(n);
  const auto covers = [&](const SessionLabel& label) { return warrant.covers(label); };
  parallel(n, [&](std::size_t i) {
    hashes[i] = field_hash(req.fields[i]);
    results[i].status = check_field(key.public_key, req.fields[i], covers, cts[i]);
  });
  // (b) In request order: the warrant's session budget at this trustee. A field it opened before
  // costs nothing; a field twice in one request is opened once.
  auto count = state.opened_count(d.change.warrant_hash);
  if (!count) return internal();
  uint64_t opened = *count;
  std::set<std::array<uint8_t, 32>> opened_now;
  for (std::size_t i = 0; i < n; ++i) {
    if (!cts[i]) continue;
    auto again = state.opened(d.change.warrant_hash, hashes[i]);
    if (!again) return internal();
    const bool repeat = *again || opened_now.contains(hashes[i]);
    if (repeat) continue;
    if (opened >= warrant.max_sessions) {
      results[i].status = request::FieldStatus::over_budget;
      cts[i].reset();
      continue;
    }
    ++opened;
    opened_now.insert(hashes[i]);
    d.change.newly_opened.push_back(hashes[i]);
  }
  // (c) In parallel: the partial decryptions of the fields that passed every check.
  parallel(n, [&](std::size_t i) {
    if (!cts[i]) return;
    auto pd = tdh2::partial_decrypt(key.public_key, key.share, *cts[i], rng);
    if (pd) results[i].partial = pd->encode();
    else results[i].status = request::FieldStatus::invalid_field;
  });

  for (std::size_t i = 0; i < n; ++i)
    d.log.push_back({now, d.request_hash, d.change.warrant_hash, hashes[i], static_cast<uint8_t>(results[i].status),
                     std::string(request::to_string(results[i].status))});
  d.results = std::move(results);
  return d;
}

}  // namespace escrow::trustee
