#pragma once
// A trustee's transparency log read over HTTP (SPEC §11.4): its signed tree head and the proof
// that a later head extends an earlier one. The auditor's reads; the load test uses them too.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/translog.hpp"
#include "http_client.hpp"

namespace doormat::authority {

/// GET /v1/log/head, decoded. The signature is not checked here: a caller holding the trustee's
/// key passes the head to translog::verify_signature.
[[nodiscard]] escrow::Result<escrow::translog::TreeHead> fetch_head(const std::string& url, int timeout_seconds = 60);

/// Does the trustee's log, as `newer` states it, extend the tree (old_size, old_root)? A shrunk
/// log does not; equal sizes need equal roots; otherwise the trustee's RFC 9162 consistency proof
/// is fetched and verified.
[[nodiscard]] bool log_extends(const std::string& url, uint64_t old_size, const escrow::translog::Hash& old_root,
                               const escrow::translog::TreeHead& newer);

/// The readers of those replies, apart from the HTTP calls (tests/fuzz/trustee_reply_fuzz.cpp
/// feeds them arbitrary JSON): /v1/log/head into a head, and /v1/log/consistency into a proof
/// (nothing when it is not a list of 32-byte hashes).
[[nodiscard]] escrow::Result<escrow::translog::TreeHead> head_from_reply(const std::string& url, const HttpReply& reply);
[[nodiscard]] std::optional<std::vector<escrow::translog::Hash>> proof_from_reply(const HttpReply& reply);

}  // namespace doormat::authority
