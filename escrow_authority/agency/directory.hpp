#pragma once
// The trustee directory an agency, auditor or ceremony coordinator keeps: each trustee's URL, the
// Ed25519 key its responses and tree heads must be signed with, and its X25519 ceremony key.
// JSON: [{"trustee": 1, "url": "...", "ed25519": "...", "x25519": "..."}].
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/translog.hpp"

namespace doormat::authority {

struct TrusteeEntry {
  uint8_t index = 0;
  std::string url;  ///< http://127.0.0.1:PORT
  std::array<uint8_t, 32> sign_key{};
  std::array<uint8_t, 32> box_key{};  ///< X25519, for sealed ceremony shares
};

[[nodiscard]] escrow::Result<std::vector<TrusteeEntry>> load_directory(const std::string& path);
[[nodiscard]] escrow::Result<void> save_directory(const std::string& path, const std::vector<TrusteeEntry>& entries);
/// Asks the trustee at `url` for its index and key (GET /v1/info): trust on first use.
[[nodiscard]] escrow::Result<TrusteeEntry> enroll(const std::string& url);

struct HttpReply {
  int status = 0;
  nlohmann::json body;
};
/// One HTTP call with short timeouts; a trustee that is down or slow is an error, not a hang.
[[nodiscard]] escrow::Result<HttpReply> http_get(const std::string& url, const std::string& path);
/// `timeout_seconds` bounds the wait for the reply: a trustee that accepted the connection but
/// does not answer (overloaded, frozen) is given up on, and the caller uses the others.
[[nodiscard]] escrow::Result<HttpReply> http_post(const std::string& url, const std::string& path, const nlohmann::json& body,
                                                  int timeout_seconds = 60);

/// Fields of a trustee's reply (or of a local JSON file) read without trusting their type: a
/// hostile trustee's JSON gives an error, never a nlohmann exception in the investigator, the
/// auditor or the ceremony coordinator. text_of: "" when absent or not a string; index_of: a
/// trustee index 1..255, or nothing.
[[nodiscard]] std::string text_of(const nlohmann::json& object, const char* field);
[[nodiscard]] std::optional<uint8_t> index_of(const nlohmann::json& object, const char* field);
/// 32 bytes from 64 hex digits (a key or a hash), or nothing.
[[nodiscard]] std::optional<std::array<uint8_t, 32>> bytes32_of(std::string_view hex);

/// GET /v1/log/head, decoded. The signature is not checked here: a caller holding the trustee's
/// key passes the head to translog::verify_signature.
[[nodiscard]] escrow::Result<escrow::translog::TreeHead> fetch_head(const std::string& url);

/// Does the trustee's log, as `newer` states it, extend the tree (old_size, old_root)? A shrunk
/// log does not; equal sizes need equal roots; otherwise the trustee's RFC 9162 consistency proof
/// is fetched and verified.
[[nodiscard]] bool log_extends(const std::string& url, uint64_t old_size, const escrow::translog::Hash& old_root,
                               const escrow::translog::TreeHead& newer);

/// The readers of those replies, apart from the HTTP calls (tests/fuzz/trustee_reply_fuzz.cpp
/// feeds them arbitrary JSON): /v1/info into a directory entry, /v1/log/head into a head, and
/// /v1/log/consistency into a proof (nothing when it is not a list of 32-byte hashes).
[[nodiscard]] escrow::Result<TrusteeEntry> entry_from_info(const std::string& url, const HttpReply& reply);
[[nodiscard]] escrow::Result<escrow::translog::TreeHead> head_from_reply(const std::string& url, const HttpReply& reply);
[[nodiscard]] std::optional<std::vector<escrow::translog::Hash>> proof_from_reply(const HttpReply& reply);

}  // namespace doormat::authority
