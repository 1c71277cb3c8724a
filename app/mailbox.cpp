#include "mailbox.hpp"

#include <fmt/format.h>

#include <ctime>

#include "account_name.hpp"
#include "escrow/domain.hpp"
#include "escrow/rng.hpp"
#include "escrow/wire.hpp"

namespace doormat::mailbox {
using escrow::ErrorCategory;
using escrow::fail;

namespace {

template <std::size_t N>
std::optional<std::array<uint8_t, N>> fixed_blob(const std::vector<uint8_t>& b) {
  if (b.size() != N) return std::nullopt;
  std::array<uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}
}  // namespace

std::vector<uint8_t> registration_message(const std::string& name, const escrow::IdentityKey& key) {
  escrow::wire::Writer w;
  w.bytes_u8(std::span(reinterpret_cast<const uint8_t*>(name.data()), name.size())).bytes(key);
  return w.take();
}

escrow::signature::Signature sign_registration(const Account& account, const escrow::signature::SigningKey& key) {
  return escrow::signature::sign(escrow::domain::kMailboxRegister, registration_message(account.name, account.sign_key), key);
}

escrow::Result<void> check_deposit(const escrow::envelope::Envelope& env, const std::optional<Account>& registered, uint64_t now) {
  auto label = env.label();
  if (!label) return escrow::unexpected(label.error());
  if (!registered || registered->name != label->sender)
    return fail(ErrorCategory::policy_denied, "mailbox::check_deposit", "the provider has no account named '" + account_name::printable(label->sender) + "'");
  return escrow::envelope::verify_sender(env, registered->sign_key, now);
}

escrow::Result<Mailbox> Mailbox::open(const std::string& path) {
  auto db = db::Database::open(path);
  if (!db) return escrow::unexpected(db.error());
  if (auto r = db->exec(
          "CREATE TABLE IF NOT EXISTS envelopes ("
          " id INTEGER PRIMARY KEY, sender TEXT NOT NULL, recipient TEXT NOT NULL,"
          " time INTEGER NOT NULL, session_id BLOB NOT NULL UNIQUE, envelope BLOB NOT NULL);"
          "CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, sign_key BLOB NOT NULL UNIQUE);"
          "CREATE TABLE IF NOT EXISTS provider_clock (id INTEGER PRIMARY KEY CHECK (id = 1), offset_seconds INTEGER NOT NULL)");
      !r)
    return escrow::unexpected(r.error());
  // A mailbox from before arrival times were kept gains the column; its old rows have none.
  auto cols = db->prepare("SELECT 1 FROM pragma_table_info('envelopes') WHERE name = 'arrived'");
  if (!cols) return escrow::unexpected(cols.error());
  auto has = cols->step();
  if (!has) return escrow::unexpected(has.error());
  if (!*has)
    if (auto r = db->exec("ALTER TABLE envelopes ADD COLUMN arrived INTEGER"); !r) return escrow::unexpected(r.error());
  return Mailbox(std::move(*db));
}

escrow::Result<uint64_t> Mailbox::now() {
  auto st = db_.prepare("SELECT offset_seconds FROM provider_clock WHERE id = 1");
  if (!st) return escrow::unexpected(st.error());
  auto row = st->step();
  if (!row) return escrow::unexpected(row.error());
  const int64_t offset = *row ? st->column_int(0) : 0;
  return static_cast<uint64_t>(static_cast<int64_t>(std::time(nullptr)) + offset);
}

escrow::Result<void> Mailbox::set_clock_offset(int64_t seconds) {
  auto st = db_.prepare("INSERT INTO provider_clock (id, offset_seconds) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET offset_seconds = excluded.offset_seconds");
  if (!st) return escrow::unexpected(st.error());
  st->bind(1, seconds);
  return st->run();
}

escrow::Result<void> Mailbox::register_account(const Account& a, const escrow::signature::Signature& proof) {
  constexpr std::string_view fn = "mailbox::register_account";
  // A look-alike of another name (Bob, Cyrillic bоb, bob + U+200B) never gets an account (SPEC §7.4).
  if (auto ok = account_name::check(a.name); !ok) return escrow::unexpected(ok.error());
  // An account's name and key go into sender-bound labels: the label's own rules decide them.
  escrow::SystemRng rng;
  if (auto label = escrow::SessionLabel::make_bound(a.name, a.sign_key, a.name, 0, rng); !label) return escrow::unexpected(label.error());
  if (!escrow::signature::verify(escrow::domain::kMailboxRegister, registration_message(a.name, a.sign_key), proof, a.sign_key))
    return fail(ErrorCategory::invalid_proof, fn, "the registration is not signed by the key it registers");
  return db_.transaction([&]() -> escrow::Result<void> {
    auto check = db_.prepare("SELECT name FROM accounts WHERE name = ? OR sign_key = ?");
    if (!check) return escrow::unexpected(check.error());
    check->bind(1, a.name).bind(2, a.sign_key);
    auto row = check->step();
    if (!row) return escrow::unexpected(row.error());
    if (*row)
      return fail(ErrorCategory::policy_denied, fn,
                  check->column_text(0) == a.name ? "the name '" + a.name + "' already has an account"
                                                  : "this key already has an account, as '" + check->column_text(0) + "'");
    auto st = db_.prepare("INSERT INTO accounts (name, sign_key) VALUES (?, ?)");
    if (!st) return escrow::unexpected(st.error());
    st->bind(1, a.name).bind(2, a.sign_key);
    return st->run();
  });
}

escrow::Result<std::optional<Account>> Mailbox::account(const std::string& name) {
  auto st = db_.prepare("SELECT sign_key FROM accounts WHERE name = ?");
  if (!st) return escrow::unexpected(st.error());
  st->bind(1, name);
  auto row = st->step();
  if (!row) return escrow::unexpected(row.error());
  if (!*row) return std::optional<Account>();
  auto key = fixed_blob<32>(st->column_blob(0));
  if (!key) return fail(ErrorCategory::malformed, "mailbox::account", "account '" + name + "' has a damaged key");
  return std::optional<Account>(Account{name, *key});
}

escrow::Result<int64_t> Mailbox::deposit(const escrow::envelope::Envelope& env) {
  auto label = env.label();
  if (!label) return escrow::unexpected(label.error());
  auto clock = now();
  if (!clock) return escrow::unexpected(clock.error());
  auto registered = account(label->sender);
  if (!registered) return escrow::unexpected(registered.error());
  if (auto ok = check_deposit(env, *registered, *clock); !ok) return escrow::unexpected(ok.error());
  return store(env, *clock);
}

escrow::Result<int64_t> Mailbox::deliver(const escrow::envelope::Envelope& env) {
  auto clock = now();
  if (!clock) return escrow::unexpected(clock.error());
  return store(env, *clock);
}

escrow::Result<int64_t> Mailbox::store(const escrow::envelope::Envelope& env, uint64_t arrived) {
  auto label = env.label();
  if (!label) return escrow::unexpected(label.error());
  auto st = db_.prepare("INSERT INTO envelopes (sender, recipient, time, session_id, envelope, arrived) VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return escrow::unexpected(st.error());
  st->bind(1, label->sender).bind(2, label->recipient).bind(3, static_cast<int64_t>(label->time)).bind(4, label->session_id).bind(5, env.encode());
  st->bind(6, static_cast<int64_t>(arrived));
  if (auto r = st->run(); !r) return escrow::unexpected(r.error());
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_.handle()));
}

escrow::Result<void> Mailbox::deliver_all(const std::vector<escrow::envelope::Envelope>& envs) {
  return db_.transaction([&]() -> escrow::Result<void> {
    for (const auto& e : envs)
      if (auto r = deliver(e); !r) return escrow::unexpected(r.error());
    return {};
  });
}

escrow::Result<std::vector<Stored>> Mailbox::query(const std::string& sql, const std::string* bind, std::vector<Damaged>* damaged) {
  auto st = db_.prepare(sql);
  if (!st) return escrow::unexpected(st.error());
  if (bind) st->bind(1, *bind);
  std::vector<Stored> out;
  for (;;) {
    auto row = st->step();
    if (!row) return escrow::unexpected(row.error());
    if (!*row) break;
    const int64_t id = st->column_int(0);
    const int64_t arrival = st->column_int(2);  // -1: a row stored before arrival times were kept
    const std::optional<uint64_t> arrived = arrival >= 0 ? std::optional<uint64_t>(static_cast<uint64_t>(arrival)) : std::nullopt;
    auto env = escrow::envelope::Envelope::decode(st->column_blob(1));
    auto label = env ? env->label() : escrow::Result<escrow::SessionLabel>(escrow::unexpected(env.error()));
    if (!label) {
      if (!damaged) return fail(ErrorCategory::malformed, "mailbox", fmt::format("envelope #{} does not parse: {}", id, label.error().detail));
      damaged->push_back({id, label.error().detail});
      continue;
    }
    out.push_back(Stored{id, std::move(*label), std::move(*env), arrived});
  }
  return out;
}

escrow::Result<std::vector<Stored>> Mailbox::all(std::vector<Damaged>* damaged) {
  return query("SELECT id, envelope, COALESCE(arrived, -1) FROM envelopes ORDER BY id", nullptr, damaged);
}

escrow::Result<std::vector<Stored>> Mailbox::for_recipient(const std::string& recipient, std::vector<Damaged>* damaged) {
  return query("SELECT id, envelope, COALESCE(arrived, -1) FROM envelopes WHERE recipient = ? ORDER BY id", &recipient, damaged);
}

}  // namespace doormat::mailbox
