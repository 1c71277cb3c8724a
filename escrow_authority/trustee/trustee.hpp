#pragma once
// One trustee: its state in SQLite and the decision procedure for decryption requests
// (SPEC §11.2). The HTTP layer (trustee_http.cpp) only moves bytes in and out of this class.
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "escrow/request.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/translog.hpp"
#include "escrow/trustee.hpp"
#include "decided_replies.hpp"
#include "refusal_tally.hpp"
#include "sqlite.hpp"
#include "thread_pool.hpp"

namespace doormat::authority {

struct TrusteeSetup {
  std::string db_path;
  std::string share_path;        ///< a KeyShare from the dealer ceremony; empty: the key comes from a DKG
  std::string authority_path;    ///< the authority's PublicKey encoding (with share_path)
  unsigned index = 0;            ///< this trustee's index (without share_path)
  std::string root_path;         ///< judicial root certificate (PEM)
  std::string crl_path;          ///< read again on every request, so revocations apply at once
  std::string passphrase;        ///< Argon2id input for the at-rest key
  unsigned judges_required = 1;
  uint64_t freshness_seconds = 300;
  uint64_t rate_per_minute = 6000;  ///< requests per agency key per minute; 0 = unlimited
  uint64_t field_rate_per_minute = 60000;  ///< distinct fields per agency key per minute (SPEC §11.2 step 6); 0 = unlimited
  uint64_t refusal_budget = RefusalTally::kDefaultBudget;  ///< unauthenticated refusals per source per interval; 0 = unlimited
  std::string operator_path;     ///< the operator's .pub (`operator new`): the only key that can run a ceremony here
};

/// Creates the trustee's database: makes its Ed25519 signing key and X25519 ceremony key, imports
/// the dealer's share if there is one, and stores the secrets encrypted under Argon2id(passphrase).
/// Without a share the trustee waits for a DKG (`ceremony dkg`). Refuses to overwrite.
[[nodiscard]] escrow::Result<void> init_trustee(const TrusteeSetup& setup);

/// What the HTTP layer sends back: a status and a JSON body.
struct Reply {
  int status = 200;
  nlohmann::json body;
  int retry_after = 0;  ///< seconds, for the Retry-After header of a "try again" refusal
  bool decided = false;  ///< this call committed a decision of the request (its nonce is spent)
};

class Trustee {
 public:
  /// `threads` splits each batch of fields across that many threads (the caller included).
  [[nodiscard]] static escrow::Result<std::unique_ptr<Trustee>> open(const std::string& db_path, const std::string& passphrase,
                                                                      std::size_t threads = std::max(1u, std::thread::hardware_concurrency()));

  /// The body of POST /v1/decrypt as it arrives: {"request": "<hex>"}. Anything else is refused
  /// and logged as malformed; the request itself goes to decrypt(). trustee_http.cpp only moves
  /// bytes into this, and tests/fuzz/trustee_body_fuzz.cpp feeds it arbitrary ones.
  /// `source` is the caller's address: refusals before a warrant verified are counted per source.
  Reply decrypt_body(std::string_view body, uint64_t now, const std::string& source = "local");
  /// The refusals decided from a body's first bytes alone, before anything decodes it; nullopt
  /// otherwise. 429 agency_busy when the request names (unverified) an agency key already in
  /// flight here (counted against the source's budget, unlogged; past it, source_over_budget);
  /// 429 source_over_budget when the source is past its refusal budget, unless the body names an
  /// agency proven here before (counted and logged in the source's one entry per interval).
  /// decrypt_body() calls it first.
  std::optional<Reply> early_refusal(std::string_view body, uint64_t now, const std::string& source = "local");
  /// The HTTP server's priority lane (docs/SECURITY.md, "Bounded HTTP"): true when the body names
  /// (at its start, unverified) an agency whose warrant verified here before, and its source has
  /// sent fewer than kLaneWasteBudget such requests that decided nothing in the last
  /// RefusalTally::kIntervalSeconds (a copy of a request decided or in flight, a bad signature, a
  /// replayed nonce: what a reader of the wire can send in a proven agency's name). Never waits
  /// for mu_ (the server's loop asks it).
  bool deserves_priority(std::string_view body, const std::string& source, uint64_t now) const;
  /// Requests naming a proven agency that decided nothing, per source and interval, before the
  /// source's requests wait in the ordinary queue (its per-source caps and fair share) instead.
  /// An agency whose copy a reader of the wire sent first spends two (busy, then the kept reply).
  static constexpr uint64_t kLaneWasteBudget = 8;
  /// The whole decision for one request, in the order of SPEC §11.2, with every decision
  /// committed to the log (and the nonce and budget updated) before the reply is returned. Safe to
  /// call from several threads: mu_ is held for the state steps and the commit only.
  Reply decrypt(std::span<const uint8_t> request_bytes, uint64_t now, const std::string& source = "local");
  Reply info();
  Reply head(uint64_t now);
  Reply consistency(uint64_t from, uint64_t to);
  Reply inclusion(uint64_t index, uint64_t size);
  Reply entries(uint64_t start, uint64_t count);

  /// The body of POST /v1/ceremony as it arrives (trustee_ceremony.cpp, SPEC §12.4): a call
  /// signed by the operator key (begin, one per round, finish, commit, abort). A body that is not
  /// signed so, or of the wrong shape, is refused before anything changes.
  Reply ceremony(std::string_view body, uint64_t now, const std::string& source = "local");
  /// Writes the refusal counts of intervals that have ended (all of them with `everything`).
  void flush_refusals(uint64_t now, bool everything = false);

  /// A ceremony with no accepted step for this long may be replaced by a new operator-signed begin.
  static constexpr uint64_t kCeremonyIdleSeconds = 120;
  /// Retry-After of an agency_busy refusal: a second request of an agency key already in flight.
  static constexpr int kAgencyBusyRetrySeconds = 1;

  ~Trustee();
  uint8_t index() const { return index_; }
  const escrow::request::VerifyKey& sign_public() const { return sign_public_; }

 private:
  struct Ceremony;  // ceremony_state.hpp: the ceremony in progress
  explicit Trustee(db::Database db);
  /// Replaces the key this trustee holds: the new share sealed at rest, the old one overwritten,
  /// checkpointed and vacuumed away (SPEC §12.4).
  /// The roster it was made with is pinned with it: later ceremonies must name exactly that roster.
  escrow::Result<void> store_key(const escrow::tdh2::PublicKey& pk, const escrow::tdh2::KeyShare& share,
                                 const std::vector<uint8_t>& roster);
  /// This trustee's secrets with `share`, sealed at rest (SPEC §11.5: sign_sk || box_sk || share).
  std::vector<uint8_t> sealed_secrets(const escrow::tdh2::KeyShare& share) const;
  /// Between finish and commit the ceremony's key is kept on disk (config pending_*, the share
  /// sealed at rest), so a restart does not lose what the trustee's confirmation vouched for.
  escrow::Result<void> keep_pending();
  escrow::Result<void> drop_pending();  // also inside store_key's transaction
  escrow::Result<void> restore_pending(uint64_t now);  // at open
  /// A refusal before anything was proven: counted in tally_ (the log gets one entry per source
  /// and interval), and answered 429 once the source is over its budget.
  Reply refuse_unauthenticated(const std::string& source, uint8_t code, const std::array<uint8_t, 32>& request_hash, uint64_t now,
                               int status, std::string error, std::string reason);
  /// decrypt()'s last step, under mu_: the commit of what the decision changed, and the reply.
  Reply conclude(escrow::trustee::Decision d, uint64_t now, const std::string& source);
  Reply agency_busy() const;
  Reply source_over_budget() const;
  /// decrypt_body() after its early_refusal().
  Reply decrypt_plain_body(std::string_view body, uint64_t now, const std::string& source);
  bool names_proven_agency(std::string_view body) const;
  escrow::Result<void> append(const std::vector<escrow::translog::Entry>& entries);
  std::size_t tree_size() const { return leaves_.size(); }
  void rollback(std::size_t size) { leaves_.resize(size); }  // after a failed commit: the log is what SQLite holds

  // Guards the state: SQLite, the log, the tally, buckets, proven agencies, in-flight nonces, the
  // key. Held by decrypt() only for its state steps and the commit, not for X.509 or field work.
  std::mutex mu_;
  db::Database db_;
  std::optional<escrow::tdh2::PublicKey> pk_;
  std::optional<escrow::tdh2::KeyShare> share_;
  uint8_t index_ = 0;
  escrow::request::SigningKey sign_secret_;
  escrow::request::VerifyKey sign_public_{};
  escrow::Secret<32> box_secret_;                 // X25519: ceremony shares are sealed to it
  std::array<uint8_t, 32> box_public_{};
  escrow::Secret<32> at_rest_key_;                // kept to re-seal after a ceremony
  std::vector<uint8_t> salt_;
  std::unique_ptr<Ceremony> ceremony_;
  int lock_fd_ = -1;  // flock on db_path.lock: one process per database
  std::optional<escrow::request::VerifyKey> operator_key_;  // none: no ceremony at all
  std::vector<uint8_t> roster_;                             // pinned by the first committed ceremony
  RefusalTally tally_;
  // Agency keys whose warrant verified here: the per-source budget never blocks them, so an abuser
  // behind the same address cannot lock a court-approved agency out. Bounded; forgotten when full.
  // Written under mu_ and proven_mu_ both; read under either (the HTTP loop takes proven_mu_ only).
  std::set<std::array<uint8_t, 32>> proven_agencies_;
  mutable std::mutex proven_mu_;
  RefusalTally lane_waste_{kLaneWasteBudget};  // under proven_mu_: deserves_priority()'s counts
  static constexpr std::size_t kMaxProvenAgencies = 4096;
  std::unique_ptr<ThreadPool> pool_;
  std::string root_pem_;
  std::string crl_path_;
  unsigned judges_required_ = 1;
  uint64_t freshness_ = 300;
  uint64_t rate_per_minute_ = 6000;
  uint64_t field_rate_per_minute_ = 60000;
  struct Bucket {
    double requests = 0;
    double fields = 0;
    std::chrono::steady_clock::time_point last;
  };
  std::map<std::array<uint8_t, 32>, Bucket> buckets_;  // per agency Ed25519 key, in memory
  Bucket& bucket(const std::array<uint8_t, 32>& agency);
  /// Step 6: one request and `fields` fields of the agency's allowance, taken if both are there.
  bool take_rate(const std::array<uint8_t, 32>& agency, uint64_t fields);
  // Nonces (agency key || nonce) of requests being decided: a replay arriving meanwhile is refused
  // at step 3 as if the first had committed, so it costs no X.509 or field work (pentest F3).
  std::set<std::array<uint8_t, 48>> nonces_in_flight_;
  // Agency keys with a request being decided (SPEC §11.2 "Concurrency"): one at a time per key, so
  // one agency's large requests hold at most one of the HTTP workers and never queue another
  // agency's request behind them (the fourth outside test's F1). A second gets 429 agency_busy.
  std::set<std::array<uint8_t, 32>> agencies_in_flight_;
  // The replies to requests decided here, by the hash of their raw bytes, for twice the freshness
  // window (as long as their nonces are kept): an exact copy gets the same reply.
  static constexpr std::size_t kDecidedReplyBytes = 64 << 20;
  DecidedReplies decided_{600, kDecidedReplyBytes};
  // The log's leaf hashes and every complete subtree's hash: heads and proofs in O(log n).
  // Appends that do not commit are dropped with rollback(before).
  escrow::translog::Tree leaves_;
  escrow::SystemRng rng_;
};

}  // namespace doormat::authority
