#pragma once
// One trustee: its state in SQLite and the decision procedure for decryption requests
// (SPEC §11.2). The HTTP layer (trustee_http.cpp) only moves bytes in and out of this class.
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "escrow/request.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/translog.hpp"
#include "sqlite.hpp"

namespace doormat::authority {

struct TrusteeSetup {
  std::string db_path;
  std::string share_path;        ///< a KeyShare encoding from the ceremony
  std::string authority_path;    ///< the authority's PublicKey encoding
  std::string root_path;         ///< judicial root certificate (PEM)
  std::string crl_path;          ///< read again on every request, so revocations apply at once
  std::string passphrase;        ///< Argon2id input for the at-rest key
  unsigned judges_required = 1;
  uint64_t freshness_seconds = 300;
};

/// Creates the trustee's database: imports the share, makes its Ed25519 signing key, and stores
/// both encrypted under Argon2id(passphrase). Refuses to overwrite an initialised database.
[[nodiscard]] escrow::Result<void> init_trustee(const TrusteeSetup& setup);

/// What the HTTP layer sends back: a status and a JSON body.
struct Reply {
  int status = 200;
  nlohmann::json body;
};

class Trustee {
 public:
  [[nodiscard]] static escrow::Result<std::unique_ptr<Trustee>> open(const std::string& db_path, const std::string& passphrase);

  /// The whole decision for one request, in the order of SPEC §11.2, with every decision
  /// committed to the log (and the nonce and budget updated) before the reply is returned.
  Reply decrypt(std::span<const uint8_t> request_bytes, uint64_t now);
  /// An HTTP body that is not even the JSON envelope of a request: logged as malformed, nothing else.
  Reply reject_body(std::span<const uint8_t> body, std::string reason, uint64_t now);
  Reply info();
  Reply head(uint64_t now);
  Reply consistency(uint64_t from, uint64_t to);
  Reply inclusion(uint64_t index, uint64_t size);
  Reply entries(uint64_t start, uint64_t count);

  uint8_t index() const { return share_->index().value(); }
  const escrow::request::VerifyKey& sign_public() const { return sign_public_; }

 private:
  Trustee(db::Database db) : db_(std::move(db)) {}
  Reply refuse(int status, std::string code, std::string reason, const escrow::translog::Entry& entry);
  escrow::Result<void> append(const std::vector<escrow::translog::Entry>& entries);

  std::mutex mu_;  // one request at a time: decisions, nonces, budgets and the log stay consistent
  db::Database db_;
  std::optional<escrow::tdh2::PublicKey> pk_;
  std::optional<escrow::tdh2::KeyShare> share_;
  escrow::request::SigningKey sign_secret_;
  escrow::request::VerifyKey sign_public_{};
  std::string root_pem_;
  std::string crl_path_;
  unsigned judges_required_ = 1;
  uint64_t freshness_ = 300;
  std::vector<escrow::translog::Hash> leaves_;
  escrow::SystemRng rng_;
};

}  // namespace doormat::authority
