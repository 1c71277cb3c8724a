#include "trustee.hpp"

#include <fmt/format.h>
#include <ctime>
#include <filesystem>
#include <limits>
#include <set>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <unistd.h>

#include "ceremony_state.hpp"
#include "escrow/domain.hpp"
#include "escrow/envelope.hpp"
#include "escrow/hash.hpp"
#include "escrow/trustee.hpp"
#include "escrow/warrant.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "identity.hpp"
#include "secrets_at_rest.hpp"
#include "trustee_http.hpp"
#include "trustee_log_codes.hpp"

namespace doormat::authority {
using escrow::ErrorCategory;
using escrow::fail;
using escrow::Result;
using escrow::wire::to_hex;
namespace translog = escrow::translog;
namespace request = escrow::request;

namespace {

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

Result<void> put(db::Database& db, const std::string& key, std::span<const uint8_t> value) {
  auto st = db.prepare("INSERT INTO config (key, value) VALUES (?, ?)");
  if (!st) return escrow::unexpected(st.error());
  st->bind(1, key).bind(2, value);
  return st->run();
}

Result<std::vector<uint8_t>> get(db::Database& db, const std::string& key) {
  auto st = db.prepare("SELECT value FROM config WHERE key = ?");
  if (!st) return escrow::unexpected(st.error());
  st->bind(1, key);
  auto row = st->step();
  if (!row) return escrow::unexpected(row.error());
  if (!*row) return fail(ErrorCategory::malformed, "trustee::open", "database has no '" + key + "': run 'trustee init'");
  return st->column_blob(0);
}

const char* kSchema =
    "CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS nonces (agency BLOB NOT NULL, nonce BLOB NOT NULL, time INTEGER NOT NULL,"
    "  PRIMARY KEY (agency, nonce));"
    "CREATE TABLE IF NOT EXISTS opened (warrant BLOB NOT NULL, field BLOB NOT NULL, PRIMARY KEY (warrant, field));"
    "CREATE TABLE IF NOT EXISTS log (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL, leaf_hash BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ceremonies (id BLOB PRIMARY KEY, time INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS proven_agencies (agency BLOB PRIMARY KEY);";

// SPEC §10.4: the newest CRL number this trustee has accepted (config 'crl_number'), raised to
// `crl`'s number when that CRL is the root's, current and newer. Raised whatever the warrant, so
// a CRL from before a revocation, copied back later, is refused. A damaged store refuses all.
uint64_t crl_floor(db::Database& db, const std::string& root_pem, const Result<std::string>& crl, uint64_t now) {
  constexpr uint64_t refuse_all = std::numeric_limits<uint64_t>::max();
  uint64_t floor = 0;
  {
    auto read = db.prepare("SELECT value FROM config WHERE key = 'crl_number'");
    if (!read) return refuse_all;
    auto row = read->step();
    if (!row) return refuse_all;
    if (*row) floor = static_cast<uint64_t>(read->column_int(0));
  }
  auto number = crl ? escrow::pki::check_crl(root_pem, *crl, floor, now) : Result<uint64_t>(floor);
  if (!number || *number <= floor) return floor;
  auto write = db.prepare("INSERT OR REPLACE INTO config (key, value) VALUES ('crl_number', ?)");
  if (write) (void)write->bind(1, static_cast<int64_t>(*number)).run();
  return *number;
}


}  // namespace


Result<void> init_trustee(const TrusteeSetup& s) {
  constexpr std::string_view fn = "trustee::init";
  std::optional<escrow::tdh2::KeyShare> share;
  std::vector<uint8_t> pk_bytes;
  uint8_t index = 0;
  if (!s.share_path.empty()) {
    auto share_bytes = files::read(s.share_path);
    if (!share_bytes) return escrow::unexpected(share_bytes.error());
    auto decoded = escrow::tdh2::KeyShare::decode(*share_bytes);
    sodium_memzero(share_bytes->data(), share_bytes->size());
    if (!decoded) return escrow::unexpected(decoded.error());
    auto pkb = files::read(s.authority_path);
    if (!pkb) return escrow::unexpected(pkb.error());
    auto pk = escrow::tdh2::PublicKey::decode(*pkb);
    if (!pk) return escrow::unexpected(pk.error());
    if (decoded->index().value() > pk->n || !(escrow::group::Point::base_mul(decoded->expose_secret()) == pk->verification_key(decoded->index())))
      return fail(ErrorCategory::malformed, fn, "the share does not match the authority's verification key Y_i");
    index = decoded->index().value();
    share.emplace(std::move(*decoded));
    pk_bytes = std::move(*pkb);
  } else {
    if (!escrow::PartyIndex::make(s.index)) return fail(ErrorCategory::malformed, fn, "without --share, give --index 1..255");
    index = static_cast<uint8_t>(s.index);
  }
  auto root = files::read_text(s.root_path);
  if (!root) return escrow::unexpected(root.error());
  std::optional<identity::Public> op;
  if (!s.operator_path.empty()) {
    auto loaded = identity::load_public(s.operator_path);
    if (!loaded) return escrow::unexpected(loaded.error());
    op = std::move(*loaded);
  }
  if (s.passphrase.size() < 8) return fail(ErrorCategory::malformed, fn, "passphrase under 8 characters");

  auto db = db::Database::open(s.db_path);
  if (!db) return escrow::unexpected(db.error());
  if (auto r = db->exec(kSchema); !r) return r;
  if (get(*db, "index")) return fail(ErrorCategory::policy_denied, fn, s.db_path + " is already initialised");

  std::array<uint8_t, 32> sign_pk{}, box_pk{};
  escrow::Secret<64> sign_sk;
  escrow::Secret<32> box_sk;
  crypto_sign_keypair(sign_pk.data(), sign_sk.expose().data());
  crypto_box_keypair(box_pk.data(), box_sk.expose().data());
  escrow::SecureBytes plain(sign_sk.expose().begin(), sign_sk.expose().end());
  plain.insert(plain.end(), box_sk.expose().begin(), box_sk.expose().end());
  if (share) {
    const auto enc = share->encode();
    plain.insert(plain.end(), enc.begin(), enc.end());
  }
  std::vector<uint8_t> salt(crypto_pwhash_SALTBYTES);
  randombytes_buf(salt.data(), salt.size());
  auto key = at_rest::derive_key(s.passphrase, salt);
  if (!key) return escrow::unexpected(key.error());
  const auto blob = at_rest::seal(*key, salt, index, plain);

  const std::string judges = std::to_string(s.judges_required), fresh = std::to_string(s.freshness_seconds),
                    rate = std::to_string(s.rate_per_minute), budget = std::to_string(s.refusal_budget),
                    field_rate = std::to_string(s.field_rate_per_minute);
  std::vector<std::pair<std::string, std::vector<uint8_t>>> rows = {
      {"index", {index}}, {"root_pem", bytes_of(*root)}, {"crl_path", bytes_of(std::filesystem::absolute(s.crl_path).string())},
      {"judges_required", bytes_of(judges)}, {"freshness_seconds", bytes_of(fresh)}, {"rate_per_minute", bytes_of(rate)}, {"refusal_budget", bytes_of(budget)},
      {"field_rate_per_minute", bytes_of(field_rate)},
      {"sign_public", {sign_pk.begin(), sign_pk.end()}}, {"box_public", {box_pk.begin(), box_pk.end()}}, {"secrets", blob}};
  if (share) rows.push_back({"authority", pk_bytes});
  if (op) rows.push_back({"operator_public", {op->sign_key.begin(), op->sign_key.end()}});
  return db->transaction([&]() -> Result<void> {
    for (const auto& [k, v] : rows)
      if (auto r = put(*db, k, v); !r) return r;
    return {};
  });
}

Trustee::Trustee(db::Database db) : db_(std::move(db)) {}
// What the tally still holds reaches the log before the trustee stops.
Trustee::~Trustee() {
  flush_refusals(static_cast<uint64_t>(std::time(nullptr)), /*everything=*/true);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // the database's lock, released last
}

Result<std::unique_ptr<Trustee>> Trustee::open(const std::string& db_path, const std::string& passphrase, std::size_t threads) {
  constexpr std::string_view fn = "trustee::open";
  // One process per database: two trustees serving one log would fork it (each appends at the
  // size it read). An advisory lock beside the file, held until the process ends (a SIGKILLed
  // trustee releases it with its descriptors).
  const int lock_fd = ::open((db_path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (lock_fd >= 0) ::close(lock_fd);
    return fail(ErrorCategory::policy_denied, fn, "another trustee process has this database open (" + db_path + ".lock is held)");
  }
  auto db = db::Database::open(db_path);
  if (!db) {
    ::close(lock_fd);
    return escrow::unexpected(db.error());
  }
  // Deleted and overwritten content is zeroed on disk, so a replaced share does not linger.
  if (auto r = db->exec(std::string(kSchema) + "PRAGMA secure_delete=ON;"); !r) return escrow::unexpected(r.error());
  std::unique_ptr<Trustee> t(new Trustee(std::move(*db)));
  t->lock_fd_ = lock_fd;
  t->pool_ = std::make_unique<ThreadPool>(std::max<std::size_t>(1, threads));
  auto index = get(t->db_, "index");
  auto root = get(t->db_, "root_pem");
  auto crl = get(t->db_, "crl_path");
  auto judges = get(t->db_, "judges_required");
  auto fresh = get(t->db_, "freshness_seconds");
  auto sign_public = get(t->db_, "sign_public");
  auto box_public = get(t->db_, "box_public");
  auto blob = get(t->db_, "secrets");
  for (auto* r : {&index, &root, &crl, &judges, &fresh, &sign_public, &box_public, &blob})
    if (!*r) return escrow::unexpected(r->error());
  const auto salt = at_rest::salt_of(*blob);
  if (index->size() != 1 || sign_public->size() != 32 || box_public->size() != 32 || !salt)
    return fail(ErrorCategory::malformed, fn, "stored configuration is damaged");
  t->index_ = (*index)[0];
  t->salt_.assign(salt->begin(), salt->end());
  auto key = at_rest::derive_key(passphrase, t->salt_);
  if (!key) return escrow::unexpected(key.error());
  t->at_rest_key_ = std::move(*key);
  auto plain = at_rest::open(t->at_rest_key_, t->index_, *blob);
  if (!plain) return escrow::unexpected(plain.error());
  std::copy(plain->begin(), plain->begin() + 64, t->sign_secret_.expose().begin());
  std::copy(plain->begin() + 64, plain->begin() + 96, t->box_secret_.expose().begin());
  std::copy(sign_public->begin(), sign_public->end(), t->sign_public_.begin());
  std::copy(box_public->begin(), box_public->end(), t->box_public_.begin());
  if (plain->size() > 96) {
    auto share = escrow::tdh2::KeyShare::decode(std::span(*plain).subspan(96));
    if (!share) return escrow::unexpected(share.error());
    auto authority = get(t->db_, "authority");
    if (!authority) return escrow::unexpected(authority.error());
    auto pk = escrow::tdh2::PublicKey::decode(*authority);
    if (!pk) return escrow::unexpected(pk.error());
    if (share->index().value() != t->index_ || share->epoch() != pk->epoch)
      return fail(ErrorCategory::malformed, fn, "stored share does not belong to the stored key");
    t->share_ = std::move(*share);
    t->pk_ = std::move(*pk);
  }
  t->root_pem_.assign(root->begin(), root->end());
  t->crl_path_.assign(crl->begin(), crl->end());
  t->judges_required_ = static_cast<unsigned>(std::stoul(std::string(judges->begin(), judges->end())));
  t->freshness_ = std::stoull(std::string(fresh->begin(), fresh->end()));
  t->decided_ = DecidedReplies(2 * t->freshness_, kDecidedReplyBytes);
  if (auto rate = get(t->db_, "rate_per_minute")) t->rate_per_minute_ = std::stoull(std::string(rate->begin(), rate->end()));
  if (auto rate = get(t->db_, "field_rate_per_minute")) t->field_rate_per_minute_ = std::stoull(std::string(rate->begin(), rate->end()));
  // The key the log names refused sources by (SPEC 11.2): made once, kept with the state.
  std::array<uint8_t, 32> source_key{};
  if (auto stored = get(t->db_, "log_source_key")) {
    if (stored->size() != source_key.size()) return fail(ErrorCategory::malformed, fn, "stored log source key is damaged");
    std::copy(stored->begin(), stored->end(), source_key.begin());
  } else {
    randombytes_buf(source_key.data(), source_key.size());
    if (auto r = put(t->db_, "log_source_key", source_key); !r) return escrow::unexpected(r.error());
  }
  uint64_t budget = RefusalTally::kDefaultBudget;
  if (auto b = get(t->db_, "refusal_budget")) budget = std::stoull(std::string(b->begin(), b->end()));
  t->tally_ = RefusalTally(budget, source_key);
  if (auto op = get(t->db_, "operator_public")) {
    if (op->size() != 32) return fail(ErrorCategory::malformed, fn, "stored operator key is damaged");
    t->operator_key_.emplace();
    std::copy(op->begin(), op->end(), t->operator_key_->begin());
  }
  if (auto roster = get(t->db_, "roster")) t->roster_ = std::move(*roster);
  // Agencies whose warrant verified here before survive a restart: a flood of refusals right after
  // one must not lock them out (step 4).
  if (auto st = t->db_.prepare("SELECT agency FROM proven_agencies LIMIT " + std::to_string(kMaxProvenAgencies)))
    for (auto row = st->step(); row && *row; row = st->step()) {
      const auto stored = st->column_blob(0);
      std::array<uint8_t, 32> agency{};
      if (stored.size() == agency.size()) {
        std::copy(stored.begin(), stored.end(), agency.begin());
        t->proven_agencies_.insert(agency);
      }
    }

  // The log's leaf hashes, rebuilt from what SQLite committed: nothing else is trusted after a
  // crash. Every entry is hashed again, so a stored hash that disagrees with its entry (a
  // damaged or edited file) stops the trustee before it signs a head its entries contradict.
  auto st = t->db_.prepare("SELECT idx, entry, leaf_hash FROM log ORDER BY idx");
  if (!st) return escrow::unexpected(st.error());
  for (;;) {
    auto row = st->step();
    if (!row) return escrow::unexpected(row.error());
    if (!*row) break;
    const uint64_t idx = t->leaves_.size();
    if (st->column_int(0) != static_cast<int64_t>(idx))
      return fail(ErrorCategory::internal, fn, "log has a gap: refusing to serve a forked history");
    const translog::Hash leaf = translog::leaf_hash(st->column_blob(1));
    const auto stored = st->column_blob(2);
    if (stored.size() != leaf.size() || !std::equal(stored.begin(), stored.end(), leaf.begin()))
      return fail(ErrorCategory::internal, fn, fmt::format("the log's stored hashes disagree with its entries at index {}", idx));
    t->leaves_.append(leaf);
  }
  if (auto pending = t->restore_pending(static_cast<uint64_t>(std::time(nullptr))); !pending) return escrow::unexpected(pending.error());
  return t;
}

std::vector<uint8_t> Trustee::sealed_secrets(const escrow::tdh2::KeyShare& share) const {
  escrow::SecureBytes plain(sign_secret_.expose().begin(), sign_secret_.expose().end());
  plain.insert(plain.end(), box_secret_.expose().begin(), box_secret_.expose().end());
  const auto enc = share.encode();
  plain.insert(plain.end(), enc.begin(), enc.end());
  return at_rest::seal(at_rest_key_, salt_, index_, plain);
}

Result<void> Trustee::store_key(const escrow::tdh2::PublicKey& pk, const escrow::tdh2::KeyShare& share, const std::vector<uint8_t>& roster) {
  const auto blob = sealed_secrets(share);
  auto r = db_.transaction([&]() -> Result<void> {
    if (auto cleared = drop_pending(); !cleared) return cleared;
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::vector<uint8_t>>>{{"secrets", blob}, {"authority", pk.encode()}, {"roster", roster}}) {
      auto st = db_.prepare("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)");
      if (!st) return escrow::unexpected(st.error());
      st->bind(1, k).bind(2, v);
      if (auto run = st->run(); !run) return run;
    }
    return {};
  });
  if (!r) return r;
  // The old share's pages: zeroed (secure_delete), flushed out of the WAL, and the file rebuilt.
  if (auto c = db_.exec("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);"); !c) return c;
  pk_ = pk;
  share_ = share.clone();
  roster_ = roster;
  return {};
}

Result<void> Trustee::append(const std::vector<translog::Entry>& entries) {
  auto st = db_.prepare("INSERT INTO log (idx, entry, leaf_hash) VALUES (?, ?, ?)");
  if (!st) return escrow::unexpected(st.error());
  for (auto e : entries) {
    // A refusal's reason can carry a library's error text: the log keeps its first 255 bytes
    // rather than refuse to record the decision (Entry::encode refuses to cut it silently).
    if (e.reason.size() > translog::kMaxReasonBytes) e.reason.resize(translog::kMaxReasonBytes);
    const auto bytes = e.encode();
    const auto leaf = translog::leaf_hash(bytes);
    st->reset().bind(1, static_cast<int64_t>(leaves_.size())).bind(2, bytes).bind(3, leaf);
    if (auto r = st->run(); !r) return r;
    leaves_.append(leaf);  // dropped again by the caller's rollback(before) if the commit fails
  }
  return {};
}

Reply Trustee::refuse_unauthenticated(const std::string& source, uint8_t code, const std::array<uint8_t, 32>& request_hash, uint64_t now,
                                      int status, std::string error, std::string reason) {
  const bool over = tally_.over_budget(source, now);
  tally_.count(source, over ? static_cast<uint8_t>(escrow::trustee::Refusal::source_over_budget) : code, request_hash, over ? "over the source's budget" : reason, now);
  flush_refusals(now);
  if (over) return source_over_budget();
  return {status, {{"error", std::move(error)}, {"reason", public_words(reason)}, {"trustee", index()}}};
}

void Trustee::flush_refusals(uint64_t now, bool everything) {
  auto due = tally_.take_due(now, everything);
  if (due.empty()) return;
  const std::size_t before = tree_size();
  if (!db_.transaction([&] { return append(due); })) rollback(before);  // the counts are lost, the log stays whole
}

// The agency's token buckets, refilled to now: rate_per_minute requests and field_rate_per_minute
// fields a minute, at most a minute's worth of each.
Trustee::Bucket& Trustee::bucket(const std::array<uint8_t, 32>& agency) {
  const auto now = std::chrono::steady_clock::now();
  const double requests = static_cast<double>(rate_per_minute_), fields = static_cast<double>(field_rate_per_minute_);
  auto [it, fresh] = buckets_.try_emplace(agency, Bucket{requests, fields, now});
  auto& b = it->second;
  if (!fresh) {
    const double minutes = std::chrono::duration<double>(now - b.last).count() / 60.0;
    b.requests = std::min(requests, b.requests + minutes * requests);
    b.fields = std::min(fields, b.fields + minutes * fields);
    b.last = now;
  }
  return b;
}

bool Trustee::take_rate(const std::array<uint8_t, 32>& agency, uint64_t fields) {
  auto& b = bucket(agency);
  const bool requests_ok = rate_per_minute_ == 0 || b.requests >= 1.0;
  const bool fields_ok = field_rate_per_minute_ == 0 || b.fields >= static_cast<double>(fields);
  if (!requests_ok || !fields_ok) return false;
  if (rate_per_minute_ != 0) b.requests -= 1.0;
  if (field_rate_per_minute_ != 0) b.fields -= static_cast<double>(fields);
  return true;
}

namespace {

std::string_view skip_json_space(std::string_view text) {
  return text.substr(std::min(text.find_first_not_of(" \t\n\r"), text.size()));
}

// What follows `{"request": "` at the start of a body (JSON whitespace allowed between the
// tokens), or nullopt: the one opening plain_request_hex and early_refusal both read.
std::optional<std::string_view> after_request_open(std::string_view body) {
  for (const std::string_view token : {"{", "\"request\"", ":", "\""}) {
    body = skip_json_space(body);
    if (!body.starts_with(token)) return std::nullopt;
    body.remove_prefix(token.size());
  }
  return body;
}

constexpr std::string_view kHexDigits = "0123456789abcdefABCDEF";

// The hex of a body that is exactly {"request": "<hex digits>"} (JSON whitespace allowed between
// tokens), read in place; nullopt for any other text, which is refused (no JSON parser reads a
// decrypt body: SPEC §11.5). nlohmann had taken 95 ms of the ~160 ms an outsider's 8 MiB wrong-key
// body cost (F4).
std::optional<std::string_view> plain_request_hex(std::string_view body) {
  auto rest = after_request_open(body);
  if (!rest) return std::nullopt;
  const auto end = rest->find_first_not_of(kHexDigits);
  if (end == std::string_view::npos || (*rest)[end] != '"') return std::nullopt;
  const auto hex = rest->substr(0, end);
  const auto tail = skip_json_space(rest->substr(end + 1));
  if (!tail.starts_with('}')) return std::nullopt;
  return skip_json_space(tail.substr(1)).empty() ? std::optional(hex) : std::nullopt;
}

// The agency sign key named at the start of a decrypt body's hex (the opening plain_request_hex
// reads, then at most the hex of the request's first kAgencyKeyPrefixBytes): the cost is the same
// for a 5 MB body as for a 5 KB one. Unverified, and absent from a body that is not a request's.
std::optional<request::VerifyKey> peeked_agency(std::string_view body) {
  const auto rest = after_request_open(body);
  if (!rest) return std::nullopt;
  auto hex = rest->substr(0, 2 * request::kAgencyKeyPrefixBytes);
  hex = hex.substr(0, std::min(hex.find_first_not_of(kHexDigits), hex.size()));
  const auto prefix = escrow::wire::from_hex(hex.substr(0, hex.size() & ~std::size_t{1}));
  if (!prefix) return std::nullopt;
  return request::peek_agency_sign_key(*prefix);
}

}  // namespace

bool Trustee::names_proven_agency(std::string_view body) const {
  const auto agency = peeked_agency(body);
  if (!agency) return false;
  std::lock_guard lock(proven_mu_);
  return proven_agencies_.contains(*agency);
}

// The eighth outside test's D: copies of a proven agency's request from the plaintext wire kept
// the lane's places full (each copy gets its kept reply cheaply, but waits there first). Counted
// in decrypt_body(), so a source's wasted lane requests cost it the lane, not its own requests.
bool Trustee::deserves_priority(std::string_view body, const std::string& source, uint64_t now) const {
  const auto agency = peeked_agency(body);
  if (!agency) return false;
  std::lock_guard lock(proven_mu_);
  return proven_agencies_.contains(*agency) && !lane_waste_.over_budget(source, now);
}

std::optional<Reply> Trustee::early_refusal(std::string_view body, uint64_t now, const std::string& source) {
  const auto agency = peeked_agency(body);
  std::lock_guard lock(mu_);
  if (agency && agencies_in_flight_.contains(*agency)) {
    // Counted against the source's refusal budget, not logged: the log would otherwise grow with
    // each of them (the tally writes one entry per source and interval only for logged refusals).
    tally_.count_unlogged(source, now);
    return tally_.over_budget(source, now) ? source_over_budget() : agency_busy();
  }
  // Past its budget a source is refused here, before its body is decoded, hashed or verified (the
  // sixth outside test: 0.06-0.13 s for each 5 MB body before its 429), unless the body names an
  // agency whose warrant verified here before: decide() still requires that key's signature.
  if (tally_.over_budget(source, now) && !(agency && proven_agencies_.contains(*agency))) {
    tally_.count(source, static_cast<uint8_t>(escrow::trustee::Refusal::source_over_budget), {}, "over the source's budget (from its first bytes)", now);
    flush_refusals(now);
    return source_over_budget();
  }
  return std::nullopt;
}

Reply Trustee::source_over_budget() const {
  return {429, {{"error", "source_over_budget"}, {"reason", fmt::format("more than {} refused requests from this address in {} s", tally_.budget(), RefusalTally::kIntervalSeconds)}}};
}

Reply Trustee::agency_busy() const {
  return {429,
          {{"error", "agency_busy"},
           {"reason", "another request signed by this agency key is being decided here: send this one again when that one is answered"},
           {"retry_after_seconds", kAgencyBusyRetrySeconds},
           {"trustee", index()}},
          kAgencyBusyRetrySeconds};
}

Reply Trustee::decrypt_body(std::string_view body, uint64_t now, const std::string& source) {
  const bool named_proven = names_proven_agency(body);  // before: this request may prove it
  // Busy is decided first, from the agency key at the start of the hex (the fifth outside test's
  // F1: a busy agency's 5 MB bodies were decoded, parsed, hashed and verified before their 429).
  auto early = early_refusal(body, now, source);
  Reply reply = early ? std::move(*early) : decrypt_plain_body(body, now, source);
  if (named_proven && !reply.decided) {
    std::lock_guard lock(proven_mu_);
    lane_waste_.count_unlogged(source, now);
  }
  return reply;
}

Reply Trustee::decrypt_plain_body(std::string_view body, uint64_t now, const std::string& source) {
  // A body that is not {"request": "<hex>"} is still a decision the log must show (counted).
  const auto raw = std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  // Exactly {"request": "<hex>"} (SPEC §11.5), read in place: whitespace between the tokens, no
  // escapes, no other key, no BOM. No JSON parser runs here: an escaped key (`"req\u0075est"`) or
  // digit read by one would pass the busy check above and cost the parse, the decoding, the hash
  // and the signature before its 429 (sixth outside test).
  std::optional<std::vector<uint8_t>> bytes;
  if (const auto hex = plain_request_hex(body))
    if (auto decoded = escrow::wire::from_hex(*hex)) bytes = std::move(*decoded);
  if (bytes) return decrypt(*bytes, now, source);
  std::lock_guard lock(mu_);
  return refuse_unauthenticated(source, static_cast<uint8_t>(escrow::trustee::Refusal::malformed), escrow::trustee::raw_request_hash(raw), now, 400, "malformed_json",
                                "body must be {\"request\": \"<hex>\"} with the request in hex");
}

namespace {

std::array<uint8_t, 48> in_flight_key(const request::VerifyKey& agency, const std::array<uint8_t, 16>& nonce) {
  std::array<uint8_t, 48> key{};
  std::copy(agency.begin(), agency.end(), key.begin());
  std::copy(nonce.begin(), nonce.end(), key.begin() + 32);
  return key;
}

// The trustee's state as escrow::trustee::decide() reads it: SQLite for nonces and budgets, the
// daemon's memory for the source's refusal budget, proven agencies and rate buckets.
class SqliteStateView : public escrow::trustee::StateView {
 public:
  using Rate = std::function<bool(const request::VerifyKey&, uint64_t)>;
  SqliteStateView(db::Database& db, const RefusalTally& tally, const std::set<std::array<uint8_t, 32>>& proven,
                  const std::set<std::array<uint8_t, 48>>& in_flight, const Rate& take_rate, const std::string& source, uint64_t now)
      : db_(db), tally_(tally), proven_(proven), in_flight_(in_flight), take_rate_(take_rate), source_(source), now_(now) {}

  Result<bool> nonce_seen(const request::VerifyKey& agency, const std::array<uint8_t, 16>& nonce) override {
    if (in_flight_.contains(in_flight_key(agency, nonce))) return true;
    auto st = db_.prepare("SELECT 1 FROM nonces WHERE agency = ? AND nonce = ?");
    if (!st) return escrow::unexpected(st.error());
    st->bind(1, agency).bind(2, nonce);
    return st->step();
  }
  bool source_over_budget() override { return tally_.over_budget(source_, now_); }
  bool agency_proven(const request::VerifyKey& agency) override { return proven_.contains(agency); }
  bool take_rate(const request::VerifyKey& agency, uint64_t fields) override { return take_rate_(agency, fields); }
  Result<uint64_t> opened_count(const std::array<uint8_t, 32>& warrant_hash) override {
    auto st = db_.prepare("SELECT COUNT(*) FROM opened WHERE warrant = ?");
    if (!st) return escrow::unexpected(st.error());
    st->bind(1, warrant_hash);
    auto row = st->step();
    if (!row) return escrow::unexpected(row.error());
    return static_cast<uint64_t>(st->column_int(0));
  }
  Result<bool> opened(const std::array<uint8_t, 32>& warrant_hash, const std::array<uint8_t, 32>& field_hash) override {
    if (!seen_) {  // prepared once per request: a batch asks once per field
      auto st = db_.prepare("SELECT 1 FROM opened WHERE warrant = ? AND field = ?");
      if (!st) return escrow::unexpected(st.error());
      seen_.emplace(std::move(*st));
    }
    seen_->reset().bind(1, warrant_hash).bind(2, field_hash);
    return seen_->step();
  }

 private:
  db::Database& db_;
  const RefusalTally& tally_;
  const std::set<std::array<uint8_t, 32>>& proven_;
  const std::set<std::array<uint8_t, 48>>& in_flight_;
  const Rate& take_rate_;
  const std::string& source_;
  uint64_t now_;
  std::optional<db::Statement> seen_;
};

}  // namespace

Reply Trustee::decrypt(std::span<const uint8_t> bytes, uint64_t now, const std::string& source) {
  // The decision is escrow::trustee::Deciding (SPEC §11.2) in its phases: the pure ones (parse and
  // signature; X.509; the fields' checks and partial decryptions) run without mu_, so a request of
  // 10,000 fields no longer holds every other caller up (pentest F3); the state steps (nonce,
  // source budget; rate and budget; the budget again and the commit) run under it.
  // An exact copy of a request decided here gets the same reply (decided_replies.hpp), before any
  // parsing: it changes nothing and is not logged.
  const auto raw_hash = escrow::trustee::raw_request_hash(bytes);
  {
    std::lock_guard lock(mu_);
    if (auto kept = decided_.find(raw_hash, now)) return {kept->status, std::move(kept->body)};
  }
  escrow::trustee::Deciding job(bytes, now);
  const bool screened = job.screen(freshness_);
  std::unique_lock lock(mu_);
  flush_refusals(now);
  if (!share_) return {503, {{"error", "no_key"}, {"reason", "this trustee holds no share yet: run the DKG ceremony"}, {"trustee", index()}}};
  const SqliteStateView::Rate rate = [&](const request::VerifyKey& agency, uint64_t fields) { return take_rate(agency, fields); };
  // A view per hold of mu_: its cached statement must not outlive the hold (a ceremony's VACUUM).
  const auto with_view = [&](const std::function<bool(SqliteStateView&)>& step) {
    SqliteStateView view(db_, tally_, proven_agencies_, nonces_in_flight_, rate, source, now);
    return step(view);
  };
  if (!screened || !with_view([&](SqliteStateView& v) { return job.admit(v); })) {
    // A copy of a request still being decided here: busy, not a replay, so that the sender (it
    // may be the agency, whose copy a reader of the wire sent first) asks again and gets the reply
    // its request was given.
    if (screened && nonces_in_flight_.contains(in_flight_key(job.agency(), job.nonce()))) {
      tally_.count_unlogged(source, now);
      return agency_busy();
    }
    return conclude(job.take(), now, source);
  }
  // One request per agency key at a time (SPEC §11.2 "Concurrency"): a second one is not decided,
  // changes nothing and is not logged; its nonce stays unspent, so the same bytes may come again.
  if (agencies_in_flight_.contains(job.agency())) {
    tally_.count_unlogged(source, now);  // as early_refusal() does
    return agency_busy();
  }

  // From here until the end the nonce and the agency key are reserved: released under mu_ however
  // this returns.
  const auto reserved = in_flight_key(job.agency(), job.nonce());
  nonces_in_flight_.insert(reserved);
  agencies_in_flight_.insert(job.agency());
  struct Release {
    std::unique_lock<std::mutex>& lock;
    std::set<std::array<uint8_t, 48>>& nonces;
    std::set<std::array<uint8_t, 32>>& agencies;
    std::array<uint8_t, 48> nonce;
    std::array<uint8_t, 32> agency;
    ~Release() {
      if (!lock.owns_lock()) lock.lock();
      nonces.erase(nonce);
      agencies.erase(agency);
    }
  } release{lock, nonces_in_flight_, agencies_in_flight_, reserved, job.agency()};

  // The policy as of now and the key as of now (a ceremony may replace it meanwhile).
  auto crl = files::read_text(crl_path_);
  const escrow::trustee::Policy policy{{root_pem_, crl ? *crl : std::string(), judges_required_, crl_floor(db_, root_pem_, crl, now)},
                                       crl.has_value(), freshness_};
  const escrow::tdh2::PublicKey pk = *pk_;
  const escrow::tdh2::KeyShare share = share_->clone();
  lock.unlock();
  const bool verified = job.verify_warrant(policy);
  lock.lock();
  if (verified && with_view([&](SqliteStateView& v) { return job.reserve(v); })) {
    lock.unlock();
    job.compute({pk, share}, rng_, {[&](std::size_t n, const std::function<void(std::size_t)>& body) { pool_->parallel_for(n, body); }, pool_->threads()});
    lock.lock();
    with_view([&](SqliteStateView& v) {
      job.settle(v, {pk, share}, rng_);
      return true;
    });
  }
  auto decision = job.take();
  const bool spends_nonce = decision.change.record_nonce.has_value();
  auto reply = conclude(std::move(decision), now, source);
  if (spends_nonce && reply.status != 500) {
    decided_.keep(raw_hash, {reply.status, reply.body}, now);
    reply.decided = true;
  }
  return reply;
}

// What a decision changes, committed under mu_ (the caller holds it), and the reply.
Reply Trustee::conclude(escrow::trustee::Decision d, uint64_t now, const std::string& source) {
  if (d.internal_error) return {500, {{"error", "internal"}, {"reason", "the trustee could not read its state"}}};
  if (d.refusal && !d.authenticated)  // counted per source, not logged one by one
    return refuse_unauthenticated(source, static_cast<uint8_t>(*d.refusal), d.request_hash, now, http_status(*d.refusal),
                                  std::string(escrow::trustee::error_code(*d.refusal)), d.reason);
  const bool newly_proven = d.change.prove_agency && !proven_agencies_.contains(d.change.agency);
  if (newly_proven) {
    std::lock_guard proven(proven_mu_);
    if (proven_agencies_.size() >= kMaxProvenAgencies) proven_agencies_.clear();
    proven_agencies_.insert(d.change.agency);
  }

  // Group commit: nonce, budget and every log entry of the request in one fsync'd transaction,
  // before anything leaves the process.
  const std::size_t before = tree_size();
  auto committed = db_.transaction([&]() -> Result<void> {
    if (d.change.record_nonce) {
      auto st = db_.prepare("INSERT INTO nonces (agency, nonce, time) VALUES (?, ?, ?)");
      if (!st) return escrow::unexpected(st.error());
      st->bind(1, d.change.agency).bind(2, *d.change.record_nonce).bind(3, static_cast<int64_t>(d.change.request_time));
      if (auto r = st->run(); !r) return r;
      // Nonces older than twice the freshness window can never be replayed successfully.
      auto prune = db_.prepare("DELETE FROM nonces WHERE time < ?");
      if (!prune) return escrow::unexpected(prune.error());
      prune->bind(1, static_cast<int64_t>(now - std::min(now, 2 * freshness_)));
      if (auto r = prune->run(); !r) return r;
    }
    if (newly_proven) {
      auto proven = db_.prepare("INSERT OR IGNORE INTO proven_agencies (agency) VALUES (?)");
      if (!proven) return escrow::unexpected(proven.error());
      proven->bind(1, d.change.agency);
      if (auto r = proven->run(); !r) return r;
    }
    auto st = db_.prepare("INSERT INTO opened (warrant, field) VALUES (?, ?)");
    if (!st) return escrow::unexpected(st.error());
    for (const auto& f : d.change.newly_opened) {
      st->reset().bind(1, d.change.warrant_hash).bind(2, f);
      if (auto r = st->run(); !r) return r;
    }
    return append(d.log);
  });
  if (!committed) {
    rollback(before);
    return {500, {{"error", "internal"}, {"reason", "could not write the log"}}};
  }
  if (d.refusal) {
    const std::string reason = *d.refusal == escrow::trustee::Refusal::rate_limited
                                   ? fmt::format("more than {} requests or {} fields a minute from this agency", rate_per_minute_, field_rate_per_minute_)
                                   : d.reason;
    return {http_status(*d.refusal), {{"error", escrow::trustee::error_code(*d.refusal)}, {"reason", reason}, {"trustee", index()}}};
  }
  request::DecryptResponse response{index(), d.request_hash, std::move(d.results), {}};
  request::sign(response, sign_secret_);
  const auto sealed = request::seal(response.encode(), d.agency_box_key, rng_);
  if (!sealed) return {500, {{"error", "internal"}, {"reason", "could not seal the response"}}};  // the warrant's key decoded as usable
  return {200, {{"trustee", index()}, {"sealed_response", to_hex(*sealed)}}};
}

Reply Trustee::info() {
  std::lock_guard lock(mu_);
  nlohmann::json j = {{"trustee", index()}, {"ed25519", to_hex(sign_public_)}, {"x25519", to_hex(box_public_)},
                      {"log_size", leaves_.size()}, {"has_key", share_.has_value()}};
  if (pk_) {
    j["authority"] = to_hex(pk_->encode());
    j["epoch"] = pk_->epoch;
  }
  return {200, j};
}

Reply Trustee::head(uint64_t now) {
  std::lock_guard lock(mu_);
  flush_refusals(now);
  translog::TreeHead h{leaves_.size(), leaves_.root(), now, {}};
  translog::sign(h, sign_secret_);
  return {200, {{"trustee", index()}, {"tree_head", to_hex(h.encode())}}};
}

Reply Trustee::consistency(uint64_t from, uint64_t to) {
  std::lock_guard lock(mu_);
  if (to > leaves_.size() || from > to) return {400, {{"error", "bad_range"}, {"reason", "need from <= to <= log size"}}};
  nlohmann::json proof = nlohmann::json::array();
  if (from > 0 && from < to) {
    auto p = leaves_.consistency_proof(from, to);  // O(log n) stored hashes; named: checked above
    for (const auto& h : *p) proof.push_back(to_hex(h));
  }
  return {200, {{"from", from}, {"to", to}, {"proof", proof}}};
}

Reply Trustee::inclusion(uint64_t leaf, uint64_t size) {
  std::lock_guard lock(mu_);
  if (size > leaves_.size() || leaf >= size) return {400, {{"error", "bad_range"}, {"reason", "need index < size <= log size"}}};
  nlohmann::json proof = nlohmann::json::array();
  const auto path = leaves_.inclusion_proof(leaf, size);  // O(log n) stored hashes; named: checked above
  for (const auto& h : *path) proof.push_back(to_hex(h));
  return {200, {{"index", leaf}, {"size", size}, {"proof", proof}}};
}

Reply Trustee::entries(uint64_t start, uint64_t count) {
  std::lock_guard lock(mu_);
  // Clamped to the log before any arithmetic: start + count must not wrap, nor turn negative in SQLite.
  const uint64_t size = leaves_.size();
  const uint64_t from = std::min(start, size), to = from + std::min({count, uint64_t{1000}, size - from});
  auto st = db_.prepare("SELECT entry FROM log WHERE idx >= ? AND idx < ? ORDER BY idx");
  if (!st) return {500, {{"error", "internal"}}};
  st->bind(1, static_cast<int64_t>(from)).bind(2, static_cast<int64_t>(to));
  nlohmann::json out = nlohmann::json::array();
  for (;;) {
    auto row = st->step();
    if (!row) return {500, {{"error", "internal"}}};
    if (!*row) break;
    out.push_back(to_hex(st->column_blob(0)));
  }
  return {200, {{"start", start}, {"entries", out}}};
}

}  // namespace doormat::authority
