// SPEC §11.2: the trustee's decision, one function per step, in order.
#include "escrow/trustee.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

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
bool check_agency_signature(const request::DecryptRequest& r, const warrant::SignedWarrant& sw) {
  return request::verify_signature(r, sw.warrant.agency_sign_key);
}

// Step 3a. The request's time is within the freshness window of the trustee's clock.
std::optional<std::string> check_freshness(const request::DecryptRequest& r, uint64_t freshness, uint64_t now) {
  const uint64_t skew = now > r.time ? now - r.time : r.time - now;
  if (skew <= freshness) return std::nullopt;
  return fmt::format("request time {} is {} s from the trustee's clock (limit {})", r.time, skew, freshness);
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

// Step 7a. Each field parses with a session label, passes TDH2 validity (SPEC §5.3), and the
// warrant covers the label the validity proof binds, in that order of refusal.
std::vector<FieldCheck> check_fields(const tdh2::PublicKey& pk, std::span<const std::span<const uint8_t>> fields,
                                     const std::function<bool(const SessionLabel&)>& covers) {
  std::vector<FieldCheck> out(fields.size());
  std::vector<tdh2::Ciphertext> parsed;
  std::vector<SessionLabel> labels;
  std::vector<std::size_t> at;  // parsed[j] is fields[at[j]]
  for (std::size_t i = 0; i < fields.size(); ++i) {
    auto ct = tdh2::Ciphertext::decode(fields[i]);
    auto label = ct ? SessionLabel::decode(ct->label) : Result<SessionLabel>(unexpected(ct.error()));
    if (!ct || !label) continue;  // malformed
    parsed.push_back(std::move(*ct));
    labels.push_back(std::move(*label));
    at.push_back(i);
  }
  auto checked = tdh2::verify_all(pk, std::move(parsed));  // verified once, here
  for (std::size_t j = 0; j < checked.size(); ++j) {
    auto& f = out[at[j]];
    if (!checked[j]) f.status = request::FieldStatus::invalid_field;
    else if (!covers(labels[j])) f.status = request::FieldStatus::out_of_scope;
    else {
      f.status = request::FieldStatus::issued;  // a candidate: the budget decides, in request order
      f.verified = std::move(*checked[j]);
    }
  }
  return out;
}

FieldCheck check_field(const tdh2::PublicKey& pk, std::span<const uint8_t> field, const std::function<bool(const SessionLabel&)>& covers) {
  const std::span<const uint8_t> one[] = {field};
  return std::move(check_fields(pk, one, covers).front());
}

std::string field_reason(request::FieldStatus status, uint64_t count) { return translog::counted_reason(request::to_string(status), count); }

// One distinct field of the request: identical fields are checked, budgeted, decrypted and logged
// once (pentest F4), and their result repeated at each of their places in the reply.
struct Deciding::Field {
  std::array<uint8_t, 32> hash{};
  std::size_t first = 0;  // its first place in the request
  uint64_t count = 0;     // how many times the request holds it
  // Until step 7 has checked it: a field no check reached is never issued (fail closed).
  request::FieldStatus status = request::FieldStatus::invalid_field;
  std::optional<tdh2::VerifiedCiphertext> ct;  // passed parse, validity and scope
  bool opened_before = false;                  // as reserve() read the state
  std::vector<uint8_t> partial;
};

Deciding::Deciding(std::span<const uint8_t> bytes, uint64_t now) : bytes_(bytes), now_(now) { d_.request_hash = raw_request_hash(bytes); }

// A refusal of the whole request: one log entry once the warrant verified (steps 6 and on), none
// before (the caller counts those).
bool Deciding::refuse(Refusal why, std::string reason) {
  d_.refusal = why;
  d_.reason = std::move(reason);
  if (d_.authenticated) d_.log = {{now_, d_.request_hash, d_.change.warrant_hash, {}, static_cast<uint8_t>(why), d_.reason}};
  return false;
}

// The trustee's own state could not be read: nothing decided, nothing logged.
bool Deciding::internal() {
  d_.internal_error = true;
  return false;
}

bool Deciding::screen(uint64_t freshness_seconds) {
  // 1. Parse.
  auto parsed = parse_request(bytes_);
  if (!parsed) return refuse(Refusal::malformed, parsed.error().detail);
  request_.emplace(std::move(parsed->request));
  warrant_.emplace(std::move(parsed->warrant));
  const auto& warrant = warrant_->warrant;
  d_.request_hash = request_->hash();
  d_.change.warrant_hash = warrant_->hash();
  d_.change.agency = warrant.agency_sign_key;
  d_.change.request_time = request_->time;
  d_.agency_box_key = warrant.agency_box_key;
  nonce_ = request_->nonce;

  // 2. The agency's signature.
  if (!check_agency_signature(*request_, *warrant_)) return refuse(Refusal::bad_signature, "request not signed by the warrant's agency key");

  // 3a. Fresh.
  if (auto stale = check_freshness(*request_, freshness_seconds, now_)) return refuse(Refusal::stale, *stale);
  return true;
}

bool Deciding::admit(StateView& state) {
  // 3b. Never seen before (nor in flight: the caller reserves the nonces of requests it is deciding).
  auto seen = state.nonce_seen(d_.change.agency, nonce_);
  if (!seen) return internal();
  if (*seen) return refuse(Refusal::replay, "this nonce was already used by this agency");

  // 4. A source refused too often in this interval does no X.509 work, unless the key that signed
  // is an agency's whose warrant verified here before.
  if (!state.agency_proven(d_.change.agency) && state.source_over_budget())
    return refuse(Refusal::source_over_budget, "too many refused requests from this address");
  return true;
}

bool Deciding::verify_warrant(const Policy& policy) {
  // 5. The warrant, verified alone, before any field is touched.
  if (!policy.crl_readable) return refuse(Refusal::warrant_refused, "judicial CRL unreadable");
  auto verified = warrant::verify(*warrant_, policy.warrant, now_);
  if (!verified) return refuse(Refusal::warrant_refused, verified.error().detail);
  d_.authenticated = true;
  d_.change.prove_agency = true;

  // The request's distinct fields, in the order they first appear: what step 6 counts and step 7
  // decides. (Hashing is cheap next to one validity check; only a caller a court named gets here.)
  std::map<std::array<uint8_t, 32>, std::size_t> index;
  const auto& fields = request_->fields;
  distinct_of_.resize(fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto h = field_hash(fields[i]);
    auto [it, fresh] = index.try_emplace(h, distinct_.size());
    if (fresh) {
      distinct_.push_back(std::make_shared<Field>());
      distinct_.back()->hash = h;
      distinct_.back()->first = i;
    }
    ++distinct_[it->second]->count;
    distinct_of_[i] = it->second;
  }
  return true;
}

bool Deciding::reserve(StateView& state) {
  // 6. The agency's allowance, counted only for a caller a court named: one request and each of
  // its distinct fields, so one warrant cannot buy unbounded work (pentest F3).
  if (!state.take_rate(d_.change.agency, distinct_.size())) return refuse(Refusal::rate_limited, "rate limited");
  d_.change.spend_rate_token = true;
  d_.change.rate_fields = distinct_.size();
  d_.change.record_nonce = nonce_;

  // The budget as it stands now, so compute() decrypts only what it will probably issue; settle()
  // reads it again.
  auto count = state.opened_count(d_.change.warrant_hash);
  if (!count) return internal();
  opened_before_ = *count;
  for (auto& f : distinct_) {
    auto again = state.opened(d_.change.warrant_hash, f->hash);
    if (!again) return internal();
    f->opened_before = *again;
  }
  return true;
}

void ParallelFor::operator()(std::size_t n, const std::function<void(std::size_t)>& body) const {
  if (run) return run(n, body);
  for (std::size_t i = 0; i < n; ++i) body(i);
}

void Deciding::compute(const Key& key, Rng& rng, const ParallelFor& parallel) {
  const auto& warrant = warrant_->warrant;
  const auto covers = [&](const SessionLabel& label) { return warrant.covers(label); };
  // 7. (a) In parallel: parse, validity, scope — pure functions of public data — in chunks, each
  // chunk's validity proofs in one batch (SPEC §5.3): at most 64 fields, enough for the product to
  // pay, and equal chunks in a multiple of the threads, so that a small request still keeps every
  // core busy and a request of 65 to 128 fields on two is not split 64 and a few.
  constexpr std::size_t kMaxChunk = 64;
  const std::size_t n = distinct_.size(), threads = std::max<std::size_t>(1, parallel.threads);
  const std::size_t at_most_64 = (n + kMaxChunk - 1) / kMaxChunk;
  const std::size_t chunks = std::min(n, (at_most_64 + threads - 1) / threads * threads);
  // Exactly `chunks` ranges, their sizes differing by at most one (so none over 64).
  parallel(chunks, [&](std::size_t c) {
    const std::size_t begin = c * n / chunks, end = (c + 1) * n / chunks;
    std::vector<std::span<const uint8_t>> fields;
    for (std::size_t i = begin; i < end; ++i) fields.emplace_back(request_->fields[distinct_[i]->first]);
    auto checks = check_fields(key.public_key, fields, covers);
    for (std::size_t i = begin; i < end; ++i) {
      distinct_[i]->status = checks[i - begin].status;
      distinct_[i]->ct = std::move(checks[i - begin].verified);
    }
  });
  // (b) The budget as reserve() read it, in request order: which fields to decrypt now.
  std::vector<std::size_t> planned;
  uint64_t opened = opened_before_;
  for (std::size_t i = 0; i < distinct_.size(); ++i) {
    const auto& f = *distinct_[i];
    if (!f.ct) continue;
    if (!f.opened_before) {
      if (opened >= warrant.max_sessions) continue;
      ++opened;
    }
    planned.push_back(i);
  }
  // (c) In parallel: their partial decryptions (SPEC §5.5).
  parallel(planned.size(), [&](std::size_t j) {
    auto& f = *distinct_[planned[j]];
    auto pd = tdh2::partial_decrypt(key.public_key, key.share, *f.ct, rng);
    if (pd) f.partial = pd->encode();
    else {
      f.status = request::FieldStatus::invalid_field;
      f.ct.reset();
    }
  });
}

void Deciding::settle(StateView& state, const Key& key, Rng& rng) {
  const auto& warrant = warrant_->warrant;
  // 7. (d) The warrant's session budget at this trustee, against the state now, in request order.
  // A field it opened before costs nothing; a field twice in one request is one field.
  auto count = state.opened_count(d_.change.warrant_hash);
  if (!count) {
    internal();
    return;
  }
  uint64_t opened = *count;
  for (auto& fp : distinct_) {
    auto& f = *fp;
    if (!f.ct) continue;
    auto again = state.opened(d_.change.warrant_hash, f.hash);
    if (!again) {
      internal();
      return;
    }
    if (!*again && opened >= warrant.max_sessions) {  // spent meanwhile by a request of the same warrant
      f.status = request::FieldStatus::over_budget;
      f.partial.clear();
      continue;
    }
    if (f.partial.empty()) {  // over the budget as reserve() read it, free now: opened meanwhile
      auto pd = tdh2::partial_decrypt(key.public_key, key.share, *f.ct, rng);
      if (!pd) {
        f.status = request::FieldStatus::invalid_field;
        continue;
      }
      f.partial = pd->encode();
    }
    if (!*again) {
      ++opened;
      d_.change.newly_opened.push_back(f.hash);
    }
  }

  // The reply: one result per field of the request, in order. The log: one entry per distinct
  // field, and one for all the request's malformed fields (their count in the reason, the first
  // one's hash): bytes that are no escrow field cost the log one entry per request, not one each.
  uint64_t malformed = 0;
  for (const auto& f : distinct_)
    if (f->status == request::FieldStatus::malformed) malformed += f->count;
  bool malformed_logged = false;
  for (const auto& fp : distinct_) {
    const auto& f = *fp;
    const bool bad = f.status == request::FieldStatus::malformed;
    if (bad && malformed_logged) continue;
    malformed_logged = malformed_logged || bad;
    d_.log.push_back({now_, d_.request_hash, d_.change.warrant_hash, f.hash, static_cast<uint8_t>(f.status),
                      field_reason(f.status, bad ? malformed : f.count)});
  }
  d_.results.resize(distinct_of_.size());
  for (std::size_t i = 0; i < distinct_of_.size(); ++i) {
    const auto& f = *distinct_[distinct_of_[i]];
    d_.results[i] = {f.status, f.partial};
  }
}

Decision decide(std::span<const uint8_t> bytes, const Policy& policy, const Key& key, StateView& state, uint64_t now, Rng& rng,
                const ParallelFor& parallel) {
  Deciding job(bytes, now);
  if (job.screen(policy.freshness_seconds) && job.admit(state) && job.verify_warrant(policy) && job.reserve(state)) {
    job.compute(key, rng, parallel);
    job.settle(state, key, rng);
  }
  return job.take();
}

}  // namespace escrow::trustee
