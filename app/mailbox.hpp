#pragma once
// The provider's mailbox: a SQLite database standing for the messaging service. Clients deliver
// envelopes into it; it is what an investigator later obtains from the provider.
//
// It also holds what a provider knows of its users: each account's name and Ed25519 identity key
// (one name per key, one key per name), and the provider's clock. A sender's envelope enters
// through deposit(), which runs check_deposit (SPEC §7.4): the sender signature, the sender
// account's registered key, and the label time against the provider's clock.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "escrow/envelope.hpp"
#include "escrow/signature.hpp"
#include "sqlite.hpp"

namespace doormat::mailbox {

struct Stored {
  int64_t id = 0;
  escrow::SessionLabel label;
  escrow::envelope::Envelope envelope;
  std::optional<uint64_t> arrived{};  ///< the provider's clock at deposit (none: a row from before it was kept)
};

/// A user's account with the provider: the name its labels carry and its Ed25519 identity key.
struct Account {
  std::string name;
  escrow::IdentityKey sign_key{};
};

/// What an account holder signs to register (proof that it holds the key it registers), under the
/// tag doormat/v1/mailbox/register (SPEC §7.4): u8 len(name) || name || key.
[[nodiscard]] std::vector<uint8_t> registration_message(const std::string& name, const escrow::IdentityKey& key);
[[nodiscard]] escrow::signature::Signature sign_registration(const Account& account, const escrow::signature::SigningKey& key);

/// SPEC §7.4, the provider's deposit check: `registered` is the account named by the label's
/// sender (none: no such account), `now` the provider's clock. The one function a provider runs on
/// every envelope a sender hands it: Mailbox::deposit calls it, and so would a provider process.
[[nodiscard]] escrow::Result<void> check_deposit(const escrow::envelope::Envelope& env, const std::optional<Account>& registered,
                                                 uint64_t now);

/// A row whose envelope no longer parses: its id and why.
struct Damaged {
  int64_t id = 0;
  std::string reason;
};

class Mailbox {
 public:
  [[nodiscard]] static escrow::Result<Mailbox> open(const std::string& path);
  /// A sender hands the provider an envelope: check_deposit against the sender's account and the
  /// provider's clock, then stored with that arrival time. A refusal stores nothing.
  [[nodiscard]] escrow::Result<int64_t> deposit(const escrow::envelope::Envelope& env);
  /// The provider's store without the deposit check: envelopes from before it (version 1), bulk
  /// loads by tests and tools, and the "no defence" provider of `escrow-attacks live`.
  [[nodiscard]] escrow::Result<int64_t> deliver(const escrow::envelope::Envelope& env);
  /// Many envelopes in one transaction (one fsync), all or none.
  [[nodiscard]] escrow::Result<void> deliver_all(const std::vector<escrow::envelope::Envelope>& envs);
  /// Every envelope, oldest first. A row that no longer parses fails the call, or, given
  /// `damaged`, is listed there and skipped: one bad row does not hide every other message.
  [[nodiscard]] escrow::Result<std::vector<Stored>> all(std::vector<Damaged>* damaged = nullptr);
  [[nodiscard]] escrow::Result<std::vector<Stored>> for_recipient(const std::string& recipient, std::vector<Damaged>* damaged = nullptr);

  /// Opens an account: `proof` signs registration_message(name, key) with that key. Refused when
  /// the name breaks the account-name rule (account_name.hpp: no look-alikes), or when the name or
  /// the key already has an account (a key is one identity, a name one person).
  [[nodiscard]] escrow::Result<void> register_account(const Account& account, const escrow::signature::Signature& proof);
  /// The provider's directory: the account with this name, if any.
  [[nodiscard]] escrow::Result<std::optional<Account>> account(const std::string& name);
  /// The provider's clock: the system clock plus the offset its operator set (0 unless a demo
  /// replays past days; a sender's client never sets it).
  [[nodiscard]] escrow::Result<uint64_t> now();
  [[nodiscard]] escrow::Result<void> set_clock_offset(int64_t seconds);

 private:
  explicit Mailbox(db::Database db) : db_(std::move(db)) {}
  escrow::Result<std::vector<Stored>> query(const std::string& sql, const std::string* bind, std::vector<Damaged>* damaged);
  escrow::Result<int64_t> store(const escrow::envelope::Envelope& env, uint64_t arrived);
  db::Database db_;
};

}  // namespace doormat::mailbox
