#pragma once
// What every live scenario works with: the demo's folder as the attacker finds it (ground truth,
// trustee folders, the provider's mailbox), the trustee processes restarted on it, and the project's
// own commands run against them (the real auditor, `investigate`, the court). Set-up failures throw
// std::runtime_error; an attack's outcome never does.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "attack.hpp"
#include "detection.hpp"
#include "escrow/error.hpp"
#include "escrow/rng.hpp"
#include "escrow/tdh2.hpp"
#include "live.hpp"
#include "mailbox.hpp"
#include "process.hpp"

namespace doormat::attacks::live {

inline constexpr std::string_view kScheme = "deployment";

[[noreturn]] void setup_error(const std::string& what);

template <typename T>
T must(escrow::Result<T> r, const std::string& what) {
  if (!r) setup_error(what + ": " + r.error().message());
  return std::move(*r);
}
inline void must(escrow::Result<void> r, const std::string& what) {
  if (!r) setup_error(what + ": " + r.error().message());
}

double seconds_since(std::chrono::steady_clock::time_point t0);

/// ground_truth.json: every message the demo sent.
struct Truth {
  unsigned k = 0, n = 0;
  struct Message {
    std::string sender, recipient, plaintext;
    uint64_t time = 0;
    int64_t envelope_id = 0;
  };
  std::vector<Message> messages;
};
Truth load_truth(const std::string& dir);

/// What a thief walks away with: a copy of trustee i's folder (state.db with its WAL, and the
/// passphrase file when that is stolen too).
struct Loot {
  unsigned index = 0;
  std::vector<uint8_t> sealed;     // config 'secrets': salt || nonce || XChaCha20-Poly1305(...)
  std::vector<uint8_t> authority;  // config 'authority': the key at the share's epoch
  std::string passphrase;          // empty: not stolen
  std::vector<uint8_t> operator_key;  // config 'operator_public': the Ed25519 key its ceremonies need (empty: none)
};
Loot steal(const std::string& dir, const std::string& loot_dir, unsigned i, bool with_passphrase);
/// Opens a stolen blob with the trustee's own code path (Argon2id, XChaCha20-Poly1305).
escrow::Result<escrow::SecureBytes> open_sealed(const Loot& l, const std::string& passphrase);
escrow::tdh2::KeyShare share_of(const Loot& l);

/// Every envelope in the mailbox opened offline with the shares alone (nullopt: did not open).
std::map<int64_t, std::optional<std::string>> open_mailbox(const std::vector<mailbox::Stored>& box, const escrow::tdh2::PublicKey& pk,
                                                           const std::vector<escrow::tdh2::KeyShare>& shares, escrow::Rng& rng);
/// The ground truth's messages next to what an attack got for each (by envelope id).
std::vector<Observation> observe(const Truth& t, const std::map<int64_t, std::optional<std::string>>& got);
std::size_t recovered(const std::vector<Observation>& obs);

/// Trustee processes restarted on the ports trustees.json records; stopped by the destructor.
struct Trustees {
  std::map<unsigned, pid_t> pids;         ///< trustee index -> its process (0: not running)
  std::map<unsigned, std::string> ports;  ///< trustee index -> the port trustees.json records for it
  ~Trustees();
};
void start_trustees(Trustees& t, const std::string& dir, const std::string& bin, const LiveOptions& o);
void stop_trustees(Trustees& t);
/// Starts one trustee from `trustee_dir` (its state.db and passphrase) on trustee `index`'s port.
/// Returns its pid, or 0 when it exited without listening (its start refused); `log` gets its output.
pid_t start_one(const std::string& trustee_dir, const std::string& passphrase_file, const std::string& port, const std::string& bin,
                const std::string& log);

/// The real auditor, as an auditor runs it: against the live trustees, holding them to the heads
/// it recorded in audit-state.json, and to the court's register when `register_path` is given.
struct AuditResult {
  int status = 0;  ///< the exit code (README's table: 0, 3 inconsistent, 5 unchecked, 6 unregistered)
  bool consistent = false;
  bool all_reachable = true;
  bool register_checked = false;
  std::vector<std::string> unregistered;  ///< warrants (hex) that opened sessions and the register lacks
  std::size_t sessions_opened = 0;        // over every trustee's log, every warrant
  std::map<std::string, std::size_t> opened_per_warrant;  ///< warrant (hex) -> sessions opened, summed over trustees
  nlohmann::json raw;
};
AuditResult audit(const std::string& dir, const std::string& bin, const std::string& register_path = "",
                  const std::string& state_path = "audit-state.json");

/// One of the project's commands run in the demo's folder (never fails on a non-zero exit: the
/// caller judges it).
process::Output authority_cmd(const std::string& dir, const std::string& bin, const std::vector<std::string>& args);
/// `escrow-authority investigate --json` on the whole mailbox; plaintexts by envelope id.
struct Investigation {
  int status = 0;
  std::map<int64_t, std::optional<std::string>> plaintexts;
  std::vector<std::string> refusals;  ///< every refusal as the trustees replied: per session, and of whole requests
  nlohmann::json raw;
};
Investigation investigate(const std::string& dir, const std::string& bin, const std::string& warrant, const std::string& agency_key);

/// What a scenario is given: the demo's folder, the programs, the ground truth and the mailbox, and
/// the trustee processes (running when the scenario starts, running when it returns).
struct Scene {
  const std::string& dir;
  const std::string& bin;
  const Truth& truth;
  const LiveOptions& options;
  Trustees& trustees;
  const escrow::tdh2::PublicKey& pk;
  const std::vector<mailbox::Stored>& box;
  escrow::Rng& rng;
};

/// A fresh folder under the system's temporary directory, removed with everything in it.
struct TempDir {
  std::string path;
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace doormat::attacks::live
