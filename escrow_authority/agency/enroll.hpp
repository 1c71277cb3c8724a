#pragma once
// Enrolment: a trustee's index and keys, asked of the trustee itself (GET /v1/info), trust on
// first use; `escrow-authority enroll` writes what it learns to a directory file (directory.hpp).
#include <string>

#include "directory.hpp"
#include "escrow/error.hpp"
#include "http_client.hpp"

namespace doormat::authority {

/// Asks the trustee at `url` for its index and key (GET /v1/info): trust on first use.
[[nodiscard]] escrow::Result<TrusteeEntry> enroll(const std::string& url);

/// The reader of that reply, apart from the HTTP call (tests/fuzz/trustee_reply_fuzz.cpp feeds it
/// arbitrary JSON): /v1/info into a directory entry.
[[nodiscard]] escrow::Result<TrusteeEntry> entry_from_info(const std::string& url, const HttpReply& reply);

}  // namespace doormat::authority
