#pragma once
// The investigator (SPEC §11.6): warrant + agency keys + the provider's mailbox in; the trustees
// asked in parallel; every response's signature and every proof checked; plaintexts of the
// sessions a quorum opened out, with the refusals and the cheaters named.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "escrow/label.hpp"
#include "escrow/request.hpp"
#include "directory.hpp"
#include "http_client.hpp"
#include "identity.hpp"
#include "mailbox.hpp"

namespace doormat::authority {

struct InvestigationOptions {
  std::string warrant_path, agency_path, authority_path, mailbox_path, directory_path;
  bool all_sessions = false;  ///< send every session in the mailbox, not only the targets'
  int timeout_seconds = 10;   ///< how long to wait for one trustee's answer before using the others
  std::size_t batch_sessions = escrow::request::kMaxFields;  ///< sessions per signed request
  bool progress = false;      ///< draw the stages on standard error (the command: when it is a terminal, app/progress)
  /// Ask the first k trustees of the directory, then the others only about the sessions those did
  /// not open; by default every trustee is asked about everything (every log holds all of it).
  bool quorum_first = false;
};

struct SessionResult {
  int64_t id = 0;
  escrow::SessionLabel label;
  bool decrypted = false;
  std::string plaintext;
  std::vector<std::string> refusals;  ///< "trustee 3: session outside the warrant's ..."
  std::vector<int> cheaters;          ///< trustees whose partials failed their proofs
  std::size_t trustees_issuing = 0;
  /// Trustees whose partial is for another epoch than the authority key's (trustee, its epoch):
  /// after a refresh, a stale key file or a trustee that missed it. Not counted as cheating.
  std::vector<std::pair<int, uint32_t>> other_epoch;
};

struct TrusteeResult {
  int index = 0;
  bool answered = false;  ///< a signed response came back
  std::string error;      ///< why not: unreachable, refused the request, bad signature
  bool asked = true;      ///< false: --quorum-first, and the first k opened every session
};

struct Investigation {
  std::string warrant_id;
  unsigned threshold = 0;        ///< k, from the authority key
  uint32_t authority_epoch = 0;  ///< the epoch of the --authority key file
  std::vector<SessionResult> sessions;
  std::vector<TrusteeResult> trustees;
  std::vector<mailbox::Damaged> damaged;  ///< mailbox rows that do not parse: skipped, reported
  std::vector<double> batch_seconds;  ///< per request: sent to every trustee until every answer is in and checked
  std::size_t decrypted() const;
  /// Why partials came for another epoch, in one sentence with the next step; empty if none did.
  std::string epoch_note() const;
  double batch_percentile(double q) const;  ///< seconds, nearest rank
};

/// One trustee's reply to a decryption request, checked: sealed to the agency, signed by the key
/// enrolled for it, answering this request, one result per field. Anything else is no answer,
/// with the reason. Apart from the HTTP call so tests/fuzz/trustee_reply_fuzz.cpp can feed it.
struct TrusteeAnswer {
  TrusteeResult result;
  std::optional<escrow::request::DecryptResponse> response;
};
[[nodiscard]] TrusteeAnswer read_answer(const TrusteeEntry& trustee, const HttpReply& reply, const std::array<uint8_t, 32>& request_hash,
                                        std::size_t fields, const identity::Identity& agency);

[[nodiscard]] escrow::Result<Investigation> investigate(const InvestigationOptions& options, uint64_t now);
[[nodiscard]] nlohmann::json to_json(const Investigation& inv);
void print(const Investigation& inv);

}  // namespace doormat::authority
