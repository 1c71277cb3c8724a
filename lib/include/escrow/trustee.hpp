#pragma once
/// A trustee's decision on a decryption request (SPEC §11.2), as a function: request bytes, the
/// trustee's policy and key, a view of its state and the time in; a Decision out — a request-level
/// refusal or one status per field, the log entries to append and the state change to commit. No
/// SQLite, JSON or HTTP here: the daemon (escrow_authority/trustee/trustee.cpp) implements the view over
/// SQLite and commits the change and the entries in one transaction before it answers; the HTTP
/// status of each refusal is chosen in its HTTP file.
///
/// The steps, each a function below named after it, run in the order of §11.2 and stop at the
/// first refusal, so a request that fails two checks gets the earlier reason. Steps 1–5 refuse a
/// caller who has proven nothing (Decision::authenticated is false): their refusals are counted by
/// the caller, not logged one by one. Secret input: the key share, used only in step 7's partial
/// decryptions.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/label.hpp"
#include "escrow/request.hpp"
#include "escrow/rng.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/translog.hpp"
#include "escrow/warrant.hpp"

namespace escrow::trustee {

/// The log's decision byte for a request refused as a whole (SPEC §11.3); field decisions are
/// request::FieldStatus (0 issued, 1..4).
enum class Refusal : uint8_t {
  malformed = 0x80,           ///< step 1: the body, the request or its warrant does not parse
  bad_signature = 0x81,       ///< step 2
  stale = 0x82,               ///< step 3: the request's time is outside the freshness window
  replay = 0x83,              ///< step 3: the nonce was used before by this agency key
  warrant_refused = 0x84,     ///< step 5
  rate_limited = 0x85,        ///< step 6
  source_over_budget = 0x86,  ///< step 4
};
/// The refusal's error code in replies: "malformed_request", "bad_agency_signature", ...
[[nodiscard]] std::string_view error_code(Refusal r);

/// What the trustee enforces (SPEC §11.2, §10.4).
struct Policy {
  warrant::Policy warrant;           ///< root, CRL (as read now), judges required, CRL-number floor
  bool crl_readable = true;          ///< false: every warrant is refused ("judicial CRL unreadable")
  uint64_t freshness_seconds = 300;  ///< |now − request time| allowed
};

/// What decide() reads of the trustee's state. Reads only: what changes is returned in the
/// Decision, and the caller commits it.
class StateView {
 public:
  virtual ~StateView() = default;
  /// Step 3: has this agency key used this nonce before?
  [[nodiscard]] virtual Result<bool> nonce_seen(const request::VerifyKey& agency, const std::array<uint8_t, 16>& nonce) = 0;
  /// Step 4: has the caller's source address used up its budget of unauthenticated refusals?
  [[nodiscard]] virtual bool source_over_budget() = 0;
  /// Step 4: is this an agency key whose warrant verified at this trustee before? (Never blocked.)
  [[nodiscard]] virtual bool agency_proven(const request::VerifyKey& agency) = 0;
  /// Step 6: may this agency key make one more request of `fields` distinct fields now? When it
  /// may, the allowance is spent at once (one request and `fields` fields), so two requests that
  /// run at the same time cannot both pass on one allowance.
  [[nodiscard]] virtual bool take_rate(const request::VerifyKey& agency, uint64_t fields) = 0;
  /// Step 7: how many distinct fields this warrant has opened here, and whether it opened this one.
  [[nodiscard]] virtual Result<uint64_t> opened_count(const std::array<uint8_t, 32>& warrant_hash) = 0;
  [[nodiscard]] virtual Result<bool> opened(const std::array<uint8_t, 32>& warrant_hash, const std::array<uint8_t, 32>& field_hash) = 0;
};

/// Runs `body(i)` for i in [0, n), on up to `threads` threads at once (the trustee's pool); the
/// default runs them in order on the caller's. Step 7 sizes its chunks of fields from `threads`.
struct ParallelFor {
  std::function<void(std::size_t n, const std::function<void(std::size_t)>& body)> run;
  std::size_t threads = 1;
  void operator()(std::size_t n, const std::function<void(std::size_t)>& body) const;
};

/// The trustee's key (step 7). The share is secret.
struct Key {
  const tdh2::PublicKey& public_key;
  const tdh2::KeyShare& share;
};

/// What to commit, in one transaction with the log entries, before the reply leaves.
struct StateChange {
  std::optional<std::array<uint8_t, 16>> record_nonce;    ///< for `agency`, with the request's time
  request::VerifyKey agency{};
  uint64_t request_time = 0;
  std::array<uint8_t, 32> warrant_hash{};
  std::vector<std::array<uint8_t, 32>> newly_opened;      ///< fields the warrant opens for the first time, in request order
  bool spend_rate_token = false;                           ///< step 6 passed: the view spent one request of the agency's allowance
  uint64_t rate_fields = 0;                                ///< ... and this many fields (the request's distinct fields)
  bool prove_agency = false;                               ///< the warrant verified: remember the agency key
};

struct Decision {
  bool internal_error = false;             ///< the state view failed: nothing was decided (HTTP 500, not logged)
  std::optional<Refusal> refusal;          ///< set: the request was refused as a whole
  std::string reason;                      ///< public words for the refusal
  bool authenticated = false;              ///< the warrant verified (refusals before that are counted, not logged)
  std::array<uint8_t, 32> request_hash{};  ///< the request's id, or the raw bytes' hash if it did not parse
  std::vector<request::FieldResult> results;  ///< one per field when accepted
  std::vector<translog::Entry> log;        ///< to append; empty for an unauthenticated refusal
  StateChange change;
  std::array<uint8_t, 32> agency_box_key{};  ///< the response is sealed to it
};

/// SPEC §11.2, steps 1–7: the phases of Deciding below, in order, over one view. `now` is the
/// trustee's clock; `rng` draws the proofs' nonces.
[[nodiscard]] Decision decide(std::span<const uint8_t> request_bytes, const Policy& policy, const Key& key, StateView& state,
                              uint64_t now, Rng& rng, const ParallelFor& parallel = {});

/// One request's decision in the phases a trustee serving requests concurrently needs (SPEC
/// §11.2, pentest F3): the pure phases read no state, so they run without the trustee's lock; the
/// state phases read the view (and spend the rate) and must run under it. Each phase returns false
/// once the decision is final (a refusal or an internal error); the later phases are then not
/// called, and take() gives the decision. The request bytes must outlive this object.
///
/// The caller's part of the bargain: between admit() and its commit it keeps the request's nonce
/// reserved (nonce_seen() answers true for it), so a replay arriving meanwhile is refused at step
/// 3; and it commits what settle() decided in the same hold of its lock as settle().
class Deciding {
 public:
  Deciding(std::span<const uint8_t> request_bytes, uint64_t now);
  /// Steps 1, 2 and 3's clock check. Pure.
  [[nodiscard]] bool screen(uint64_t freshness_seconds);
  /// Step 3's nonce and step 4. State.
  [[nodiscard]] bool admit(StateView& state);
  /// Step 5, and the fields' hashes and duplicates. Pure.
  [[nodiscard]] bool verify_warrant(const Policy& policy);
  /// Step 6 for the request's distinct fields, and a first reading of the warrant's budget. State.
  [[nodiscard]] bool reserve(StateView& state);
  /// Step 7's per-field checks (parse, validity, scope) for each distinct field, and the partial
  /// decryptions of those the budget as read by reserve() admits. Pure; the share is secret.
  void compute(const Key& key, Rng& rng, const ParallelFor& parallel = {});
  /// Step 7's budget again, against the state now (a request of the same warrant may have
  /// committed since reserve()), a partial for any field that became free meanwhile, and the log
  /// entries. State: commit the result before the lock is released.
  void settle(StateView& state, const Key& key, Rng& rng);
  [[nodiscard]] const Decision& decision() const { return d_; }
  [[nodiscard]] Decision take() { return std::move(d_); }
  /// The request's agency key and nonce once screen() passed (what the caller reserves).
  [[nodiscard]] const request::VerifyKey& agency() const { return d_.change.agency; }
  [[nodiscard]] const std::array<uint8_t, 16>& nonce() const { return nonce_; }

 private:
  struct Field;  // one distinct field of the request
  bool refuse(Refusal why, std::string reason);
  bool internal();

  std::span<const uint8_t> bytes_;
  uint64_t now_;
  Decision d_;
  std::optional<request::DecryptRequest> request_;
  std::optional<warrant::SignedWarrant> warrant_;
  std::array<uint8_t, 16> nonce_{};
  std::vector<std::size_t> distinct_of_;  // per field of the request: its distinct field
  std::vector<std::shared_ptr<Field>> distinct_;
  uint64_t opened_before_ = 0;             // the warrant's opened count as reserve() read it
};

/// Step 7 (a) for some fields against a warrant's scope: parse, TDH2 validity, scope (the same code
/// the daemon runs; the comparison design `tdh2` calls it too). A field's label must parse and lie
/// inside `covers`. Validity is tdh2::verify_all's: the version-2 fields in one batch, each field's
/// status exactly what it would be alone (SPEC §11.2, §5.3).
struct FieldCheck {
  request::FieldStatus status = request::FieldStatus::malformed;
  std::optional<tdh2::VerifiedCiphertext> verified;  ///< set when issued: passed parse, validity, scope
};
[[nodiscard]] std::vector<FieldCheck> check_fields(const tdh2::PublicKey& pk, std::span<const std::span<const uint8_t>> fields,
                                                   const std::function<bool(const SessionLabel&)>& covers);
/// check_fields of one field.
[[nodiscard]] FieldCheck check_field(const tdh2::PublicKey& pk, std::span<const uint8_t> field,
                                     const std::function<bool(const SessionLabel&)>& covers);

/// A field decision's log reason (SPEC §11.3): the status's words, and when the entry stands for
/// `count` > 1 fields of the request (identical fields, or every malformed one), " (N fields)".
[[nodiscard]] std::string field_reason(request::FieldStatus status, uint64_t count);

/// The hash under which the log and the budget name a field: H_{doormat/v1/envelope/escrow-field}.
[[nodiscard]] std::array<uint8_t, 32> field_hash(std::span<const uint8_t> field);
/// The name of bytes that did not parse as a request: H_{doormat/v1/trustee/raw-request}.
[[nodiscard]] std::array<uint8_t, 32> raw_request_hash(std::span<const uint8_t> bytes);

}  // namespace escrow::trustee
