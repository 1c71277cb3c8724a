#pragma once
// A minimal RAII wrapper over the SQLite C API: one connection, prepared statements, and
// transactions that roll back unless committed. Errors become escrow::Error values.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "escrow/error.hpp"

namespace doormat::db {

class Statement;

class Database {
 public:
  /// Opens (creating if needed) with WAL journaling and synchronous=FULL: a committed
  /// transaction survives kill -9 and power loss. New files are created 0600.
  [[nodiscard]] static escrow::Result<Database> open(const std::string& path);
  [[nodiscard]] escrow::Result<void> exec(const std::string& sql);
  [[nodiscard]] escrow::Result<Statement> prepare(const std::string& sql);
  /// Runs `body` inside BEGIN IMMEDIATE .. COMMIT; rolls back if it returns an error.
  [[nodiscard]] escrow::Result<void> transaction(const std::function<escrow::Result<void>()>& body);
  sqlite3* handle() const { return db_.get(); }

 private:
  explicit Database(sqlite3* db) : db_(db, &sqlite3_close) {}
  std::shared_ptr<sqlite3> db_;
};

class Statement {
 public:
  Statement& bind(int index, int64_t v);
  Statement& bind(int index, const std::string& v);
  Statement& bind(int index, std::span<const uint8_t> v);
  /// Steps once: true while a row is available, false when done; errors as Error.
  [[nodiscard]] escrow::Result<bool> step();
  /// Steps to completion (for statements that return no rows).
  [[nodiscard]] escrow::Result<void> run();
  /// Ready to run again with new bindings: prepare once, run many times in a loop.
  Statement& reset();
  int64_t column_int(int i) const;
  std::string column_text(int i) const;
  std::vector<uint8_t> column_blob(int i) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* s, std::shared_ptr<sqlite3> db) : stmt_(s, &sqlite3_finalize), db_(std::move(db)) {}
  std::shared_ptr<sqlite3_stmt> stmt_;
  std::shared_ptr<sqlite3> db_;
};

}  // namespace doormat::db
