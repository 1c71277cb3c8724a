#include "trustee.hpp"

#include <fmt/format.h>
#include <filesystem>
#include <limits>
#include <set>
#include <sodium.h>

#include "escrow/domain.hpp"
#include "escrow/envelope.hpp"
#include "escrow/hash.hpp"
#include "escrow/warrant.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "secrets_at_rest.hpp"

namespace doormat::authority {
using escrow::ErrorCategory;
using escrow::fail;
using escrow::Result;
using escrow::wire::to_hex;
namespace translog = escrow::translog;
namespace request = escrow::request;

namespace {

// Request-level refusal codes in the log (field-level ones are request::FieldStatus).
constexpr uint8_t kMalformedRequest = 0x80, kBadSignature = 0x81, kStale = 0x82, kReplay = 0x83, kWarrantRefused = 0x84,
                  kRateLimited = 0x85;

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
    "CREATE TABLE IF NOT EXISTS log (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL, leaf_hash BLOB NOT NULL);";

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

std::array<uint8_t, 32> raw_hash(std::span<const uint8_t> bytes) {
  return escrow::Hasher(escrow::domain::kTrusteeRawRequest, 32).add(bytes).finish<32>();
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
                    rate = std::to_string(s.rate_per_minute);
  std::vector<std::pair<std::string, std::vector<uint8_t>>> rows = {
      {"index", {index}}, {"root_pem", bytes_of(*root)}, {"crl_path", bytes_of(std::filesystem::absolute(s.crl_path).string())},
      {"judges_required", bytes_of(judges)}, {"freshness_seconds", bytes_of(fresh)}, {"rate_per_minute", bytes_of(rate)},
      {"sign_public", {sign_pk.begin(), sign_pk.end()}}, {"box_public", {box_pk.begin(), box_pk.end()}}, {"secrets", blob}};
  if (share) rows.push_back({"authority", pk_bytes});
  return db->transaction([&]() -> Result<void> {
    for (const auto& [k, v] : rows)
      if (auto r = put(*db, k, v); !r) return r;
    return {};
  });
}

Result<std::unique_ptr<Trustee>> Trustee::open(const std::string& db_path, const std::string& passphrase, std::size_t threads) {
  constexpr std::string_view fn = "trustee::open";
  auto db = db::Database::open(db_path);
  if (!db) return escrow::unexpected(db.error());
  // Deleted and overwritten content is zeroed on disk, so a replaced share does not linger.
  if (auto r = db->exec(std::string(kSchema) + "PRAGMA secure_delete=ON;"); !r) return escrow::unexpected(r.error());
  std::unique_ptr<Trustee> t(new Trustee(std::move(*db)));
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
  if (auto rate = get(t->db_, "rate_per_minute")) t->rate_per_minute_ = std::stoull(std::string(rate->begin(), rate->end()));

  // The log's leaf hashes, rebuilt from what SQLite committed: nothing else is trusted after a crash.
  auto st = t->db_.prepare("SELECT idx, leaf_hash FROM log ORDER BY idx");
  if (!st) return escrow::unexpected(st.error());
  for (;;) {
    auto row = st->step();
    if (!row) return escrow::unexpected(row.error());
    if (!*row) break;
    if (st->column_int(0) != static_cast<int64_t>(t->leaves_.size()))
      return fail(ErrorCategory::internal, fn, "log has a gap: refusing to serve a forked history");
    const auto h = st->column_blob(1);
    translog::Hash leaf{};
    if (h.size() != leaf.size()) return fail(ErrorCategory::internal, fn, "damaged leaf hash");
    std::copy(h.begin(), h.end(), leaf.begin());
    t->leaves_.push_back(leaf);
    t->frontier_.append(leaf);
  }
  return t;
}

Result<void> Trustee::store_key(const escrow::tdh2::PublicKey& pk, const escrow::tdh2::KeyShare& share) {
  escrow::SecureBytes plain(sign_secret_.expose().begin(), sign_secret_.expose().end());
  plain.insert(plain.end(), box_secret_.expose().begin(), box_secret_.expose().end());
  const auto enc = share.encode();
  plain.insert(plain.end(), enc.begin(), enc.end());
  const auto blob = at_rest::seal(at_rest_key_, salt_, index_, plain);
  auto r = db_.transaction([&]() -> Result<void> {
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::vector<uint8_t>>>{{"secrets", blob}, {"authority", pk.encode()}}) {
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
  share_ = share;
  return {};
}

Result<void> Trustee::append(const std::vector<translog::Entry>& entries) {
  auto st = db_.prepare("INSERT INTO log (idx, entry, leaf_hash) VALUES (?, ?, ?)");
  if (!st) return escrow::unexpected(st.error());
  for (const auto& e : entries) {
    const auto bytes = e.encode();
    const auto leaf = translog::leaf_hash(bytes);
    st->reset().bind(1, static_cast<int64_t>(leaves_.size())).bind(2, bytes).bind(3, leaf);
    if (auto r = st->run(); !r) return r;
    leaves_.push_back(leaf);
  }
  return {};
}

// After a commit: the frontier follows the leaves that are now durable.
void Trustee::sync_frontier() {
  while (frontier_.size() < leaves_.size()) frontier_.append(leaves_[frontier_.size()]);
}

Reply Trustee::refuse(int status, std::string code, std::string reason, const translog::Entry& entry) {
  // A refusal changes no state but the log, which must record it before the reply leaves.
  const std::size_t before = leaves_.size();
  auto r = db_.transaction([&] { return append({entry}); });
  if (!r) {
    leaves_.resize(before);
    return {500, {{"error", "internal"}, {"reason", "could not write the log: " + r.error().detail}}};
  }
  return {status, {{"error", std::move(code)}, {"reason", std::move(reason)}, {"trustee", index()}}};
}

bool Trustee::take_token(const std::array<uint8_t, 32>& agency) {
  if (rate_per_minute_ == 0) return true;
  const auto now = std::chrono::steady_clock::now();
  auto [it, fresh] = buckets_.try_emplace(agency, Bucket{static_cast<double>(rate_per_minute_), now});
  auto& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(static_cast<double>(rate_per_minute_), b.tokens + elapsed * static_cast<double>(rate_per_minute_) / 60.0);
    b.last = now;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

Reply Trustee::decrypt_body(std::string_view body, uint64_t now) {
  // A body that is not {"request": "<hex>"} is still a decision the log must show.
  const auto raw = std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("request") || !j["request"].is_string())
    return reject_body(raw, "body must be {\"request\": \"<hex>\"}", now);
  auto bytes = escrow::wire::from_hex(j["request"].get_ref<const std::string&>());
  if (!bytes) return reject_body(raw, "request is not hex", now);
  return decrypt(*bytes, now);
}

Reply Trustee::reject_body(std::span<const uint8_t> body, std::string reason, uint64_t now) {
  std::lock_guard lock(mu_);
  return refuse(400, "malformed_json", std::move(reason), {now, raw_hash(body), {}, {}, kMalformedRequest, "malformed HTTP body"});
}

Reply Trustee::decrypt(std::span<const uint8_t> bytes, uint64_t now) {
  std::lock_guard lock(mu_);
  if (!share_) return {503, {{"error", "no_key"}, {"reason", "this trustee holds no share yet: run the DKG ceremony"}, {"trustee", index()}}};
  translog::Entry base{now, raw_hash(bytes), {}, {}, 0, ""};
  auto with = [&](uint8_t decision, std::string reason) {
    auto e = base;
    e.decision = decision;
    e.reason = std::move(reason);
    return e;
  };

  // 0. Parse. Nothing below trusts a byte that did not parse.
  auto req = request::DecryptRequest::decode(bytes);
  if (!req) return refuse(400, "malformed_request", req.error().detail, with(kMalformedRequest, "malformed request"));
  base.request_hash = req->hash();
  auto sw = escrow::warrant::SignedWarrant::decode(req->signed_warrant);
  if (!sw) return refuse(400, "malformed_warrant", sw.error().detail, with(kMalformedRequest, "malformed warrant"));
  base.warrant_hash = sw->hash();

  // 1. The request is signed by the agency key the warrant names.
  if (!request::verify_signature(*req, sw->warrant.agency_sign_key))
    return refuse(401, "bad_agency_signature", "request not signed by the warrant's agency key", with(kBadSignature, "bad agency signature"));

  // 1b. At most rate_per_minute requests per agency key (checked after the signature, so forged
  // requests cannot spend a real agency's allowance).
  if (!take_token(sw->warrant.agency_sign_key))
    return refuse(429, "rate_limited", fmt::format("more than {} requests a minute from this agency", rate_per_minute_),
                  with(kRateLimited, "rate limited"));

  // 2. Fresh, and never seen before.
  const uint64_t skew = now > req->time ? now - req->time : req->time - now;
  if (skew > freshness_)
    return refuse(401, "stale_request", fmt::format("request time {} is {} s from the trustee's clock (limit {})", req->time, skew, freshness_),
                  with(kStale, "stale request"));
  {
    auto st = db_.prepare("SELECT 1 FROM nonces WHERE agency = ? AND nonce = ?");
    if (!st) return {500, {{"error", "internal"}}};
    st->bind(1, sw->warrant.agency_sign_key).bind(2, req->nonce);
    auto seen = st->step();
    if (!seen) return {500, {{"error", "internal"}}};
    if (*seen) return refuse(409, "replayed_nonce", "this nonce was already used by this agency", with(kReplay, "replayed nonce"));
  }

  // 3. The warrant: chain, CRL, expiry, judges. The CRL file is read now, so revocation is immediate.
  // Without a readable CRL no judge can be checked for revocation: refuse, and say why. The
  // verification (a third of a millisecond of X.509) runs on the pool beside the fields' checks
  // in (a) below, which are pure and thrown away if it fails; only an agency whose signature,
  // allowance, clock and nonce all passed gets this far.
  auto crl = files::read_text(crl_path_);
  const escrow::warrant::Policy policy{root_pem_, crl ? *crl : std::string(), judges_required_, crl_floor(db_, root_pem_, crl, now)};
  const std::size_t n = req->fields.size();
  std::vector<request::FieldResult> results(n);
  std::vector<std::optional<escrow::tdh2::VerifiedCiphertext>> cts(n);
  std::vector<std::array<uint8_t, 32>> field_hashes(n);
  std::optional<escrow::Result<escrow::warrant::Verified>> warrant_checked;

  // (a) In parallel over the pool: the warrant (task 0, so it is not the tail) and each field's
  // parse, TDH2 validity and scope. Pure functions of public data.
  const auto& warrant = sw->warrant;
  pool_->parallel_for(n + 1, [&](std::size_t task) {
    if (task == 0) {
      warrant_checked.emplace(crl ? escrow::warrant::verify(*sw, policy, now)
                                  : escrow::Result<escrow::warrant::Verified>(fail(ErrorCategory::policy_denied, "trustee::decrypt",
                                                                                   "judicial CRL unreadable")));
      return;
    }
    const std::size_t i = task - 1;
    field_hashes[i] = escrow::Hasher(escrow::domain::kEnvelopeFieldHash, 32).add(req->fields[i]).finish<32>();
    auto ct = escrow::tdh2::Ciphertext::decode(req->fields[i]);
    auto label = ct ? escrow::SessionLabel::decode(ct->label) : escrow::Result<escrow::SessionLabel>(escrow::unexpected(ct.error()));
    if (!ct || !label) {
      results[i].status = request::FieldStatus::malformed;
      return;
    }
    auto verified = escrow::tdh2::check(*pk_, std::move(*ct));  // verified once, here
    if (!verified) results[i].status = request::FieldStatus::invalid_field;
    else if (!warrant.covers(*label)) results[i].status = request::FieldStatus::out_of_scope;
    else cts[i] = std::move(*verified);  // a candidate: the budget decides, in request order
  });
  const auto& verified = *warrant_checked;
  auto record_nonce = [&]() -> Result<void> {
    auto st = db_.prepare("INSERT INTO nonces (agency, nonce, time) VALUES (?, ?, ?)");
    if (!st) return escrow::unexpected(st.error());
    st->bind(1, sw->warrant.agency_sign_key).bind(2, req->nonce).bind(3, static_cast<int64_t>(req->time));
    if (auto r = st->run(); !r) return r;
    // Nonces older than twice the freshness window can never be replayed successfully.
    auto prune = db_.prepare("DELETE FROM nonces WHERE time < ?");
    if (!prune) return escrow::unexpected(prune.error());
    prune->bind(1, static_cast<int64_t>(now - std::min(now, 2 * freshness_)));
    return prune->run();
  };
  if (!verified) {
    const std::size_t before = leaves_.size();
    auto r = db_.transaction([&]() -> Result<void> {
      if (auto n = record_nonce(); !n) return n;
      return append({with(kWarrantRefused, verified.error().detail)});
    });
    if (!r) {
      leaves_.resize(before);
      return {500, {{"error", "internal"}, {"reason", r.error().detail}}};
    }
    return {403, {{"error", "warrant_refused"}, {"reason", verified.error().detail}, {"trustee", index()}}};
  }

  // 4-6. Each field: validity and scope (checked in (a) above), budget; then the partial decryption.
  auto count = db_.prepare("SELECT COUNT(*) FROM opened WHERE warrant = ?");
  if (!count) return {500, {{"error", "internal"}}};
  count->bind(1, base.warrant_hash);
  if (auto r = count->step(); !r || !*r) return {500, {{"error", "internal"}}};
  uint64_t opened = static_cast<uint64_t>(count->column_int(0));

  request::DecryptResponse response{index(), req->hash(), {}, {}};

  // (b) In request order: the session budget (it depends on order, and reads SQLite).
  std::vector<std::array<uint8_t, 32>> newly_opened;  // in request order, for the commit below
  std::set<std::array<uint8_t, 32>> opened_now;        // the same, for lookups
  auto seen = db_.prepare("SELECT 1 FROM opened WHERE warrant = ? AND field = ?");
  if (!seen) return {500, {{"error", "internal"}}};
  for (std::size_t i = 0; i < n; ++i) {
    if (!cts[i]) continue;
    seen->reset().bind(1, base.warrant_hash).bind(2, field_hashes[i]);
    auto again = seen->step();
    if (!again) return {500, {{"error", "internal"}}};
    const bool repeat = *again || opened_now.contains(field_hashes[i]);
    if (!repeat && opened >= warrant.max_sessions) {
      results[i].status = request::FieldStatus::over_budget;
      cts[i].reset();
    } else if (!repeat) {
      ++opened;
      newly_opened.push_back(field_hashes[i]);
      opened_now.insert(field_hashes[i]);
    }
  }

  // (c) In parallel: the partial decryptions of the fields that passed every check.
  pool_->parallel_for(n, [&](std::size_t i) {
    if (!cts[i]) return;
    auto pd = escrow::tdh2::partial_decrypt(*pk_, *share_, *cts[i], rng_);
    if (pd) results[i].partial = pd->encode();
    else results[i].status = request::FieldStatus::invalid_field;
  });

  std::vector<translog::Entry> entries;
  for (std::size_t i = 0; i < n; ++i) {
    auto entry = base;
    entry.field_hash = field_hashes[i];
    entry.decision = static_cast<uint8_t>(results[i].status);
    entry.reason = std::string(request::to_string(results[i].status));
    entries.push_back(std::move(entry));
  }
  response.results = std::move(results);

  // Group commit: nonce, budget and every log entry of the batch in one fsync'd transaction,
  // before anything leaves the process.
  const std::size_t before = leaves_.size();
  auto committed = db_.transaction([&]() -> Result<void> {
    if (auto r = record_nonce(); !r) return r;
    auto st = db_.prepare("INSERT INTO opened (warrant, field) VALUES (?, ?)");
    if (!st) return escrow::unexpected(st.error());
    for (const auto& f : newly_opened) {
      st->reset().bind(1, base.warrant_hash).bind(2, f);
      if (auto r = st->run(); !r) return r;
    }
    return append(entries);
  });
  if (!committed) {
    leaves_.resize(before);
    return {500, {{"error", "internal"}, {"reason", committed.error().detail}}};
  }
  request::sign(response, sign_secret_);
  const auto sealed = request::seal(response.encode(), sw->warrant.agency_box_key);
  return {200, {{"trustee", index()}, {"sealed_response", to_hex(sealed)}}};
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
  sync_frontier();
  translog::TreeHead h{leaves_.size(), frontier_.root(), now, {}};
  translog::sign(h, sign_secret_);
  return {200, {{"trustee", index()}, {"tree_head", to_hex(h.encode())}}};
}

Reply Trustee::consistency(uint64_t from, uint64_t to) {
  std::lock_guard lock(mu_);
  if (to > leaves_.size() || from > to) return {400, {{"error", "bad_range"}, {"reason", "need from <= to <= log size"}}};
  nlohmann::json proof = nlohmann::json::array();
  if (from > 0 && from < to) {
    auto p = translog::consistency_proof(std::span(leaves_).first(to), from);
    for (const auto& h : *p) proof.push_back(to_hex(h));
  }
  return {200, {{"from", from}, {"to", to}, {"proof", proof}}};
}

Reply Trustee::inclusion(uint64_t index_, uint64_t size) {
  std::lock_guard lock(mu_);
  if (size > leaves_.size() || index_ >= size) return {400, {{"error", "bad_range"}, {"reason", "need index < size <= log size"}}};
  nlohmann::json proof = nlohmann::json::array();
  const auto path = translog::inclusion_proof(std::span(leaves_).first(size), index_);  // named: checked above
  for (const auto& h : *path) proof.push_back(to_hex(h));
  return {200, {{"index", index_}, {"size", size}, {"proof", proof}}};
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
