#include "investigate.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <future>
#include <map>
#include <thread>

#include "account_name.hpp"
#include "commands.hpp"
#include "directory.hpp"
#include "escrow/envelope.hpp"
#include "escrow/request.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/warrant.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "http_client.hpp"
#include "identity.hpp"
#include "json_fields.hpp"
#include "mailbox.hpp"
#include "progress.hpp"
#include "terminal_text.hpp"
#include "thread_pool.hpp"

namespace doormat::authority {
using escrow::ErrorCategory;
using escrow::fail;
namespace request = escrow::request;

double Investigation::batch_percentile(double q) const {
  if (batch_seconds.empty()) return 0;
  auto sorted = batch_seconds;
  std::sort(sorted.begin(), sorted.end());
  // Nearest rank: the smallest latency at or above a fraction q of the batches.
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

std::size_t Investigation::decrypted() const {
  return static_cast<std::size_t>(std::count_if(sessions.begin(), sessions.end(), [](const SessionResult& s) { return s.decrypted; }));
}

std::string Investigation::epoch_note() const {
  std::map<int, uint32_t> seen;
  for (const auto& s : sessions)
    for (const auto& [t, e] : s.other_epoch) seen[t] = e;
  if (seen.empty()) return "";
  std::vector<std::string> names;
  uint32_t newest = 0;
  for (const auto& [t, e] : seen) {
    names.push_back(fmt::format("trustee {} (epoch {})", t, e));
    newest = std::max(newest, e);
  }
  if (newest > authority_epoch)
    return fmt::format("the authority key file is stale: it is for epoch {}, but {} answered with newer shares; use the "
                       "authority.pub written by the latest `ceremony refresh` (--authority)",
                       authority_epoch, fmt::join(names, ", "));
  return fmt::format("{} hold shares older than the authority key's epoch {}: they missed a refresh; run `ceremony refresh` or "
                     "`ceremony commit --resume` for them",
                     fmt::join(names, ", "), authority_epoch);
}

TrusteeAnswer read_answer(const TrusteeEntry& t, const HttpReply& reply, const std::array<uint8_t, 32>& request_hash, std::size_t fields,
                          const identity::Identity& agency) {
  TrusteeAnswer a{{t.index, false, ""}, std::nullopt};
  if (reply.status != 200) {
    a.result.error = fmt::format("refused the request ({}): {}", text_of(reply.body, "error"), text_of(reply.body, "reason"));
    return a;
  }
  auto sealed = escrow::wire::from_hex(text_of(reply.body, "sealed_response"));
  if (!sealed) {
    a.result.error = "reply is not hex";
    return a;
  }
  auto plain = request::unseal(*sealed, agency.pub.box_key, agency.box_secret);
  if (!plain) {
    a.result.error = "response not sealed to our key";
    return a;
  }
  auto resp = request::DecryptResponse::decode(*plain);
  if (!resp || !request::verify_signature(*resp, t.sign_key) || resp->trustee != t.index || resp->request_hash != request_hash ||
      resp->results.size() != fields) {
    a.result.error = "response fails its signature or does not answer this request";
    return a;
  }
  a.result.answered = true;
  a.response = std::move(*resp);
  return a;
}

namespace {

// Where each request's batch of sessions starts (and, last, fields.size()): at most `max_sessions`
// each, and each body ({"request": "<hex>"}) within request::kSmallBodyBytes while one session
// fits, so it is read outside the trustees' large-body budget and no one holding that budget holds
// the investigation up (the sixth outside test: 4 addresses held it, a 158-session investigation
// in one ~77 KB body opened nothing).
std::vector<std::size_t> batch_starts(const std::vector<std::vector<uint8_t>>& fields, std::size_t warrant_bytes, std::size_t max_sessions) {
  constexpr std::size_t kJsonBytes = 16;  // {"request": ""} around the hex, which doubles the bytes
  const std::size_t fixed = request::kRequestFixedBytes + warrant_bytes;
  std::vector<std::size_t> starts{0};
  std::size_t bytes = fixed, count = 0;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::size_t field = request::kFieldPrefixBytes + fields[i].size();
    if (count > 0 && (count == max_sessions || 2 * (bytes + field) + kJsonBytes > request::kSmallBodyBytes)) {
      starts.push_back(i);
      bytes = fixed, count = 0;
    }
    bytes += field, ++count;
  }
  starts.push_back(fields.size());
  return starts;
}

// Ask one trustee; a transport failure or timeout is no answer, anything that came back is read.
TrusteeAnswer ask(const TrusteeEntry& t, const std::string& request_hex, const std::array<uint8_t, 32>& request_hash,
                  std::size_t fields, const identity::Identity& agency, int timeout_seconds) {
  // A trustee decides one request per agency key at a time (SPEC §11.2 "Concurrency"): another of
  // ours in flight there (a second investigation) gets agency_busy, which changes nothing there, so
  // the same bytes go again after its Retry-After, within this call's timeout.
  // A 503 from the trustee's HTTP layer (every worker or the large-body budget busy: error
  // "http") changes nothing there either; it is tried again a few times, after 100..400 ms of
  // random delay so that investigators refused together do not come back together. A 503 of the
  // trustee itself (no_key) is an answer. So is a transport failure (a reset: a trustee at its
  // connection cap closes a connection whose body it has not read, the re-test of the seventh
  // outside test): a request the trustee did decide, sent again, is refused as a replayed nonce
  // (one refusal entry in its log), so trying again costs at most the answer that was lost anyway.
  constexpr int kBusyRetries = 4;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  auto reply = http_post(t.url, "/v1/decrypt", {{"request", request_hex}}, timeout_seconds);
  for (int busy = 0; std::chrono::steady_clock::now() < give_up;) {
    const bool agency_busy = reply && reply->status == 429 && text_of(reply->body, "error") == "agency_busy";
    const bool http_busy = (!reply || (reply->status == 503 && text_of(reply->body, "error") == "http")) && busy < kBusyRetries;
    if (!agency_busy && !http_busy) break;
    busy += http_busy ? 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(agency_busy ? 200 : 100 + randombytes_uniform(301)));
    reply = http_post(t.url, "/v1/decrypt", {{"request", request_hex}}, timeout_seconds);
  }
  if (!reply) return {{t.index, false, "unreachable: " + reply.error().detail}, std::nullopt};
  return read_answer(t, *reply, request_hash, fields, agency);
}

}  // namespace

escrow::Result<Investigation> investigate(const InvestigationOptions& o, uint64_t now) {
  auto warrant_bytes = files::read(o.warrant_path);
  if (!warrant_bytes) return escrow::unexpected(warrant_bytes.error());
  auto sw = escrow::warrant::SignedWarrant::decode(*warrant_bytes);
  if (!sw) return escrow::unexpected(sw.error());
  auto agency = identity::load(o.agency_path);
  if (!agency) return escrow::unexpected(agency.error());
  if (agency->pub.sign_key != sw->warrant.agency_sign_key || agency->pub.box_key != sw->warrant.agency_box_key)
    return fail(ErrorCategory::policy_denied, "investigate", "this warrant names another agency's keys");
  auto pk_bytes = files::read(o.authority_path);
  if (!pk_bytes) return escrow::unexpected(pk_bytes.error());
  auto pk = escrow::tdh2::PublicKey::decode(*pk_bytes);
  if (!pk) return escrow::unexpected(pk.error());
  auto directory = load_directory(o.directory_path);
  if (!directory) return escrow::unexpected(directory.error());
  auto box = mailbox::Mailbox::open(o.mailbox_path);
  if (!box) return escrow::unexpected(box.error());
  std::vector<mailbox::Damaged> damaged;
  auto stored = box->all(&damaged);
  if (!stored) return escrow::unexpected(stored.error());

  // What the investigator asks about: by default every session involving a target, whatever its
  // time, so the trustees' window check is visible; --all sends everything the provider handed over.
  std::vector<mailbox::Stored> chosen;
  for (auto& s : *stored) {
    const auto& t = sw->warrant.targets;
    const bool involves = std::find(t.begin(), t.end(), s.label.sender) != t.end() ||
                          std::find(t.begin(), t.end(), s.label.recipient) != t.end();
    if (o.all_sessions || involves) chosen.push_back(std::move(s));
  }
  Investigation inv;
  inv.warrant_id = escrow::wire::to_hex(sw->warrant.id);
  inv.threshold = pk->k;
  inv.authority_epoch = pk->epoch;
  inv.damaged = std::move(damaged);
  if (chosen.empty()) return inv;
  std::vector<std::vector<uint8_t>> fields;  // encoded once: for the batch sizes and the requests
  fields.reserve(chosen.size());
  for (const auto& c : chosen) fields.push_back(c.envelope.escrow.encode());
  const std::size_t per_request = std::clamp<std::size_t>(o.batch_sessions, 1, request::kMaxFields);

  // Each session's replies: a trustee's answer to the request that carried it, and its place there.
  struct Reply {
    std::shared_ptr<const TrusteeAnswer> answer;
    std::size_t offset;
  };
  std::vector<std::vector<Reply>> replies(chosen.size());
  for (const auto& t : *directory) inv.trustees.push_back({t.index, false, "not asked", false});
  progress::Progress bar(o.progress);

  // Asks the trustees at `asked` (places in the directory) about the sessions `which` (places in
  // `chosen`): one signed request per batch (its own nonce), sent to those trustees at once; each
  // answer is checked on its own thread. A trustee counts as answering if it answered every batch
  // it was asked; otherwise its first error is reported.
  const auto ask_about = [&](const std::vector<std::size_t>& which, const std::vector<std::size_t>& asked) {
    std::vector<std::vector<uint8_t>> subset;
    subset.reserve(which.size());
    for (auto i : which) subset.push_back(fields[i]);
    const auto starts = batch_starts(subset, warrant_bytes->size(), per_request);
    for (auto t : asked)
      if (!inv.trustees[t].asked) inv.trustees[t] = {inv.trustees[t].index, true, "", true};
    bar.stage("investigate: asking the trustees (requests)", starts.size() - 1);
    for (std::size_t b = 0; b + 1 < starts.size(); ++b) {
      const auto t0 = std::chrono::steady_clock::now();
      request::DecryptRequest req;
      req.signed_warrant = *warrant_bytes;
      randombytes_buf(req.nonce.data(), req.nonce.size());
      req.time = now;
      req.fields.assign(subset.begin() + static_cast<std::ptrdiff_t>(starts[b]), subset.begin() + static_cast<std::ptrdiff_t>(starts[b + 1]));
      request::sign(req, agency->sign_secret);
      const std::string request_hex = escrow::wire::to_hex(req.encode());
      const auto request_hash = req.hash();
      std::vector<std::future<TrusteeAnswer>> pending;
      for (auto t : asked)
        pending.push_back(std::async(std::launch::async, ask, std::cref((*directory)[t]), std::cref(request_hex), std::cref(request_hash),
                                     req.fields.size(), std::cref(*agency), o.timeout_seconds));
      for (std::size_t a = 0; a < asked.size(); ++a) {
        auto answer = std::make_shared<const TrusteeAnswer>(pending[a].get());
        auto& result = inv.trustees[asked[a]];
        if (!answer->result.answered && result.answered) result = {answer->result.index, false, answer->result.error, true};
        for (std::size_t j = starts[b]; j < starts[b + 1]; ++j) replies[which[j]].push_back({answer, j - starts[b]});
      }
      inv.batch_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      bar.advance();
    }
  };

  // Checks and combines each session in `which` from every reply it has so far, independently:
  // spread over the cores.
  const auto open_sessions = [&](const std::vector<std::size_t>& which) {
    bar.stage("investigate: checking and combining (sessions)", which.size());
    ThreadPool pool;
    pool.parallel_for(which.size(), [&](std::size_t w) {
      const std::size_t i = which[w];
      SessionResult sr{chosen[i].id, chosen[i].label, false, "", {}, {}, 0, {}};
      std::vector<escrow::tdh2::PartialDecryption> partials;
      for (const auto& [a, offset] : replies[i]) {
        if (!a->response) continue;
        const auto& r = a->response->results[offset];
        if (r.status != request::FieldStatus::issued) {
          sr.refusals.push_back(fmt::format("trustee {}: {}", a->result.index, request::to_string(r.status)));
          continue;
        }
        auto pd = escrow::tdh2::PartialDecryption::decode(r.partial);
        if (!pd || pd->index.value() != a->result.index) {
          sr.cheaters.push_back(a->result.index);
          continue;
        }
        if (pd->epoch != pk->epoch) {  // not a cheater: a share of another epoch than our key file's
          sr.other_epoch.emplace_back(a->result.index, pd->epoch);
          continue;
        }
        partials.push_back(std::move(*pd));
        ++sr.trustees_issuing;
      }
      if (partials.size() >= pk->k) {
        // Optimistic combine (SPEC §5.8): the body's AEAD tells whether K is right; proofs are
        // checked, and cheaters named, only when it is not.
        auto combined = escrow::tdh2::combine_optimistic(*pk, chosen[i].envelope.escrow, partials, [&](const escrow::tdh2::SessionKey& key) {
          auto plain = escrow::envelope::open_with_session_key(chosen[i].envelope, key);
          if (plain) sr.plaintext.assign(plain->begin(), plain->end());
          return plain.has_value();
        });
        if (combined) {
          sr.decrypted = true;
          for (auto c : combined->cheaters) sr.cheaters.push_back(c.value());
        } else {
          for (auto c : combined.error().blame) sr.cheaters.push_back(c.value());
        }
      }
      inv.sessions[i] = std::move(sr);
      bar.advance();
    });
  };

  // Every trustee at once (the default: each one's log holds the whole investigation), or k first
  // (directory order) and the others only about the sessions those did not open.
  std::vector<std::size_t> everyone(chosen.size()), first, rest;
  for (std::size_t i = 0; i < chosen.size(); ++i) everyone[i] = i;
  for (std::size_t t = 0; t < directory->size(); ++t) (o.quorum_first && t >= pk->k ? rest : first).push_back(t);
  inv.sessions.resize(chosen.size());
  ask_about(everyone, first);
  open_sessions(everyone);
  std::vector<std::size_t> unopened;
  for (std::size_t i = 0; i < chosen.size(); ++i)
    if (!inv.sessions[i].decrypted) unopened.push_back(i);
  if (!rest.empty() && !unopened.empty()) {
    ask_about(unopened, rest);
    open_sessions(unopened);
  }
  return inv;
}

nlohmann::json to_json(const Investigation& inv) {
  nlohmann::json sessions = nlohmann::json::array(), trustees = nlohmann::json::array();
  for (const auto& s : inv.sessions)
    sessions.push_back({{"id", s.id}, {"sender", s.label.sender}, {"recipient", s.label.recipient}, {"time", s.label.time},
                        {"decrypted", s.decrypted}, {"plaintext", s.plaintext}, {"trustees_issuing", s.trustees_issuing},
                        {"refusals", s.refusals}, {"cheaters", s.cheaters},
                        {"other_epoch", [&] {
                           nlohmann::json o = nlohmann::json::array();
                           for (const auto& [t, e] : s.other_epoch) o.push_back({{"trustee", t}, {"epoch", e}});
                           return o;
                         }()}});
  for (const auto& t : inv.trustees)
    trustees.push_back({{"trustee", t.index}, {"asked", t.asked}, {"answered", t.answered}, {"error", t.error}});
  return {{"warrant", inv.warrant_id}, {"sessions_asked", inv.sessions.size()}, {"sessions_decrypted", inv.decrypted()},
          {"threshold", inv.threshold}, {"authority_epoch", inv.authority_epoch}, {"epoch_note", inv.epoch_note()},
          {"batches", inv.batch_seconds.size()}, {"batch_latency_ms", {{"p50", inv.batch_percentile(0.50) * 1e3}, {"p99", inv.batch_percentile(0.99) * 1e3}}},
          {"sessions", sessions}, {"trustees", trustees}, {"damaged_envelopes", [&] {
             nlohmann::json d = nlohmann::json::array();
             for (const auto& x : inv.damaged) d.push_back({{"id", x.id}, {"reason", x.reason}});
             return d;
           }()}};
}

void print(const Investigation& inv) {
  fmt::print("warrant {}: asked about {} session(s), decrypted {}\n", inv.warrant_id, inv.sessions.size(), inv.decrypted());
  if (inv.batch_seconds.size() > 1)
    fmt::print("  {} requests of {} sessions on average; latency per request p50 {:.1f} ms, p99 {:.1f} ms\n", inv.batch_seconds.size(),
               (inv.sessions.size() + inv.batch_seconds.size() - 1) / inv.batch_seconds.size(), inv.batch_percentile(0.5) * 1e3,
               inv.batch_percentile(0.99) * 1e3);
  for (const auto& t : inv.trustees)
    fmt::print("  trustee {}: {}\n", t.index,
               !t.asked ? "not asked (the first k opened every session)" : t.answered ? "answered (signed, sealed to us)" : t.error);
  for (const auto& s : inv.sessions) {
    if (s.decrypted)
      fmt::print("  #{} {} -> {} at {}: DECRYPTED \"{}\"\n", s.id, account_name::printable(s.label.sender),
                 account_name::printable(s.label.recipient), s.label.time, terminal_text::shown(s.plaintext));
    else
      fmt::print("  #{} {} -> {} at {}: not decrypted ({} of {} needed issued, {} refused{})\n", s.id, account_name::printable(s.label.sender),
                 account_name::printable(s.label.recipient), s.label.time, s.trustees_issuing, inv.threshold, s.refusals.size(),
                 s.refusals.empty() ? "" : ": " + s.refusals.front().substr(s.refusals.front().find(": ") + 2));
    if (!s.cheaters.empty()) fmt::print("      cheating trustee(s): {}\n", fmt::join(s.cheaters, ", "));
  }
  if (auto note = inv.epoch_note(); !note.empty()) fmt::print("  note: {}\n", note);
  if (!inv.damaged.empty()) {
    fmt::print("  {} envelope(s) in the mailbox do not parse and were skipped:", inv.damaged.size());
    for (const auto& d : inv.damaged) fmt::print(" #{}", d.id);
    fmt::print("\n");
  }
}

void register_investigate(CLI::App& app, int& status) {
  auto o = std::make_shared<InvestigationOptions>();
  auto json = std::make_shared<bool>(false);
  auto* inv = app.add_subcommand("investigate", "ask the trustees to open the sessions a warrant covers");
  inv->add_option("--warrant", o->warrant_path, "the signed warrant")->required()->check(CLI::ExistingFile);
  inv->add_option("--agency", o->agency_path, "the agency's .key file (the warrant names its keys)")->required()->check(CLI::ExistingFile);
  inv->add_option("--authority", o->authority_path, "the authority's public key")->required()->check(CLI::ExistingFile)->envname("DOORMAT_AUTHORITY");
  inv->add_option("--mailbox", o->mailbox_path, "the provider's mailbox database")->required()->check(CLI::ExistingFile)->envname("DOORMAT_MAILBOX");
  inv->add_option("--trustees", o->directory_path, "the trustee directory (JSON)")->required()->check(CLI::ExistingFile)->envname("DOORMAT_TRUSTEES");
  inv->add_flag("--all", o->all_sessions, "ask about every session in the mailbox, not only the targets'");
  inv->add_option("--batch", o->batch_sessions, "at most this many sessions per request (each batch is one signed request with its own nonce; a "
                  "request is also kept under 64 KiB while one session fits, so a trustee reads it outside its large-body budget)")
      ->check(CLI::Range(std::size_t{1}, request::kMaxFields))->capture_default_str();
  inv->add_option("--timeout", o->timeout_seconds, "seconds to wait for each trustee before using the others")
      ->check(CLI::Range(1, 3600))->capture_default_str();
  inv->add_flag("--quorum-first", o->quorum_first, "ask the first k trustees of the directory, and the others only about the sessions "
                "those did not open (by default every trustee is asked, so every log holds the whole investigation)");
  inv->add_flag("--json", *json, "print one JSON object");
  inv->callback([o, json, &status] {
    o->progress = progress::stderr_is_terminal();  // quiet when piped
    auto r = investigate(*o, static_cast<uint64_t>(std::time(nullptr)));
    if (!r) { status = report(r.error()); return; }
    // A sender chose the plaintext's bytes: invalid UTF-8 is replaced, not thrown on.
    if (*json) fmt::print("{}\n", to_json(*r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    else print(*r);
    // 4: sessions were asked about and none was decrypted (refused, below quorum, stale key).
    status = !r->sessions.empty() && r->decrypted() == 0 ? 4 : 0;
    if (status == 4 && !*json) fmt::print(stderr, "investigate: none of the {} session(s) asked about was decrypted\n", r->sessions.size());
  });
}

}  // namespace doormat::authority
