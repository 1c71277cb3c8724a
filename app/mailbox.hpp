#pragma once
// The provider's mailbox: a SQLite database standing for the messaging service. Clients deliver
// envelopes into it; it is what an investigator later obtains from the provider.
#include <cstdint>
#include <string>
#include <vector>

#include "escrow/envelope.hpp"
#include "sqlite.hpp"

namespace doormat::mailbox {

struct Stored {
  int64_t id = 0;
  escrow::SessionLabel label;
  escrow::envelope::Envelope envelope;
};

/// A row whose envelope no longer parses: its id and why.
struct Damaged {
  int64_t id = 0;
  std::string reason;
};

class Mailbox {
 public:
  [[nodiscard]] static escrow::Result<Mailbox> open(const std::string& path);
  [[nodiscard]] escrow::Result<int64_t> deliver(const escrow::envelope::Envelope& env);
  /// Many envelopes in one transaction (one fsync), all or none.
  [[nodiscard]] escrow::Result<void> deliver_all(const std::vector<escrow::envelope::Envelope>& envs);
  /// Every envelope, oldest first. A row that no longer parses fails the call, or, given
  /// `damaged`, is listed there and skipped: one bad row does not hide every other message.
  [[nodiscard]] escrow::Result<std::vector<Stored>> all(std::vector<Damaged>* damaged = nullptr);
  [[nodiscard]] escrow::Result<std::vector<Stored>> for_recipient(const std::string& recipient, std::vector<Damaged>* damaged = nullptr);

 private:
  explicit Mailbox(db::Database db) : db_(std::move(db)) {}
  escrow::Result<std::vector<Stored>> query(const std::string& sql, const std::string* bind, std::vector<Damaged>* damaged);
  db::Database db_;
};

}  // namespace doormat::mailbox
