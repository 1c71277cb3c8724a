#include "sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace doormat::db {
using escrow::ErrorCategory;
using escrow::fail;

namespace {
std::string fmt_missing_folder(const std::string& path, const std::string& parent) {
  return "cannot create " + path + ": the folder " + parent + " does not exist (create it first: mkdir -p " + parent + ")";
}
}  // namespace

escrow::Result<Database> Database::open(const std::string& path) {
  // Create the file ourselves so it is 0600 from the first byte (it will hold key material).
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    // The caller's mistake (a missing folder, a read-only one), said with the next step.
    const int err = errno;
    const auto parent = std::filesystem::path(path).parent_path().string();
    if (err == ENOENT)
      return fail(ErrorCategory::malformed, "db::open",
                  fmt_missing_folder(path, parent.empty() ? "." : parent));
    return fail(ErrorCategory::malformed, "db::open", "cannot create " + path + ": " + std::strerror(err));
  }
  ::close(fd);
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    const std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return fail(ErrorCategory::internal, "db::open", path + ": " + msg);
  }
  Database db(raw);
  sqlite3_busy_timeout(raw, 5000);
  if (auto r = db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !r)
    return escrow::unexpected(r.error());
  return db;
}

escrow::Result<void> Database::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return fail(ErrorCategory::internal, "db::exec", msg);
  }
  return {};
}

escrow::Result<Statement> Database::prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
    return fail(ErrorCategory::internal, "db::prepare", sqlite3_errmsg(db_.get()));
  return Statement(s, db_);
}

escrow::Result<void> Database::transaction(const std::function<escrow::Result<void>()>& body) {
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
  auto result = body();
  if (!result) {
    (void)exec("ROLLBACK");
    return result;
  }
  return exec("COMMIT");
}

Statement& Statement::bind(int index, int64_t v) {
  sqlite3_bind_int64(stmt_.get(), index, v);
  return *this;
}
Statement& Statement::bind(int index, const std::string& v) {
  sqlite3_bind_text(stmt_.get(), index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, std::span<const uint8_t> v) {
  sqlite3_bind_blob(stmt_.get(), index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

escrow::Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(ErrorCategory::internal, "db::step", sqlite3_errmsg(db_.get()));
}

escrow::Result<void> Statement::run() {
  for (;;) {
    auto more = step();
    if (!more) return escrow::unexpected(more.error());
    if (!*more) return {};
  }
}

Statement& Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  return *this;
}

int64_t Statement::column_int(int i) const { return sqlite3_column_int64(stmt_.get(), i); }
std::string Statement::column_text(int i) const {
  const auto* p = sqlite3_column_text(stmt_.get(), i);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), i))) : "";
}
std::vector<uint8_t> Statement::column_blob(int i) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_.get(), i));
  return p ? std::vector<uint8_t>(p, p + sqlite3_column_bytes(stmt_.get(), i)) : std::vector<uint8_t>{};
}

}  // namespace doormat::db
