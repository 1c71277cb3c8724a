#include "mailbox.hpp"

#include <fmt/format.h>

namespace doormat::mailbox {
using escrow::ErrorCategory;
using escrow::fail;

escrow::Result<Mailbox> Mailbox::open(const std::string& path) {
  auto db = db::Database::open(path);
  if (!db) return escrow::unexpected(db.error());
  if (auto r = db->exec(
          "CREATE TABLE IF NOT EXISTS envelopes ("
          " id INTEGER PRIMARY KEY, sender TEXT NOT NULL, recipient TEXT NOT NULL,"
          " time INTEGER NOT NULL, session_id BLOB NOT NULL UNIQUE, envelope BLOB NOT NULL)");
      !r)
    return escrow::unexpected(r.error());
  return Mailbox(std::move(*db));
}

escrow::Result<int64_t> Mailbox::deliver(const escrow::envelope::Envelope& env) {
  auto label = env.label();
  if (!label) return escrow::unexpected(label.error());
  auto st = db_.prepare("INSERT INTO envelopes (sender, recipient, time, session_id, envelope) VALUES (?, ?, ?, ?, ?)");
  if (!st) return escrow::unexpected(st.error());
  st->bind(1, label->sender).bind(2, label->recipient).bind(3, static_cast<int64_t>(label->time)).bind(4, label->session_id).bind(5, env.encode());
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
    auto env = escrow::envelope::Envelope::decode(st->column_blob(1));
    auto label = env ? env->label() : escrow::Result<escrow::SessionLabel>(escrow::unexpected(env.error()));
    if (!label) {
      if (!damaged) return fail(ErrorCategory::malformed, "mailbox", fmt::format("envelope #{} does not parse: {}", id, label.error().detail));
      damaged->push_back({id, label.error().detail});
      continue;
    }
    out.push_back(Stored{id, std::move(*label), std::move(*env)});
  }
  return out;
}

escrow::Result<std::vector<Stored>> Mailbox::all(std::vector<Damaged>* damaged) {
  return query("SELECT id, envelope FROM envelopes ORDER BY id", nullptr, damaged);
}

escrow::Result<std::vector<Stored>> Mailbox::for_recipient(const std::string& recipient, std::vector<Damaged>* damaged) {
  return query("SELECT id, envelope FROM envelopes WHERE recipient = ? ORDER BY id", &recipient, damaged);
}

}  // namespace doormat::mailbox
