// The trustee's side of a DKG or refresh ceremony (SPEC §12.4). Who may do what:
// - only the operator key the trustee was initialised with can begin, advance, commit or abort a
//   ceremony: every call is signed by it, and verified before a byte of it is parsed;
// - the roster is the one the trustee is enrolled in: pinned by the first ceremony that commits,
//   and every later ceremony must name exactly it;
// - one ceremony at a time: a second begin is refused while one runs (it is abandoned only after
//   kCeremonyIdleSeconds without a step, and that is logged);
// - the new share is stored only at commit, when the key the ceremony ended with is the key it
//   must have (a refresh: the same Y, k and n, epoch + 1; a resharing: the same Y, k and n, at an
//   epoch above this trustee's own, SPEC §12.7) and every roster member has signed a
//   confirmation of that same key;
// - every step, accepted or refused, is a log entry.
// The coordinator relays messages and sees no secret: broadcasts are signed by their trustee,
// private shares are sealed to their recipient, and every trustee checks both against the roster.
#include <fmt/format.h>
#include <sodium.h>

#include <ctime>
#include <set>

#include "ceremony_call.hpp"
#include "ceremony_state.hpp"
#include "escrow/dkg.hpp"
#include "escrow/dkg_message.hpp"
#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/signature.hpp"
#include "escrow/wire.hpp"
#include "secrets_at_rest.hpp"
#include "trustee.hpp"
#include "trustee_http.hpp"
#include "trustee_log_codes.hpp"
#include "strict_json.hpp"

namespace doormat::authority {
using escrow::PartyIndex;
using escrow::Result;
using escrow::wire::from_hex;
using escrow::wire::to_hex;
namespace dkg = escrow::dkg;
using nlohmann::json;

namespace {

template <std::size_t N>
bool hex_into(const json& j, const char* field, std::array<uint8_t, N>& out) {
  if (!j.contains(field) || !j[field].is_string()) return false;
  auto b = from_hex(j[field].get<std::string>());
  if (!b || b->size() != N) return false;
  std::copy(b->begin(), b->end(), out.begin());
  return true;
}

// The roster as bytes, sorted by index: n || n × (index || Ed25519 || X25519). Two rosters are the
// same roster exactly when these are equal.
std::vector<uint8_t> roster_encoding(const std::map<PartyIndex, RosterEntry>& roster) {
  escrow::wire::Writer w;
  w.u8(static_cast<uint8_t>(roster.size()));
  for (const auto& [i, e] : roster) w.u8(i.value()).bytes(e.sign_key).bytes(e.box_key);
  return w.take();
}

// Every field the handler reads, checked for its JSON type and range before anything happens:
// nlohmann's value() and get() throw on a wrong type, and a body refused half-way through its
// messages would leave the ceremony changed.
std::optional<std::string> shape_problem(const json& body) {
  auto absent_or = [](const json& o, const char* field, bool (json::*test)() const noexcept) {
    return !o.contains(field) || (o.at(field).*test)();
  };
  auto small = [](const json& o, const char* field) {  // absent, or an integer 0..255
    return !o.contains(field) || (o.at(field).is_number_unsigned() && o.at(field).get<uint64_t>() <= 255);
  };
  if (!body.is_object()) return "the call must be a JSON object";
  if (!body.contains("action") || !body["action"].is_string()) return "need an action";
  if (!absent_or(body, "ceremony", &json::is_string) || !absent_or(body, "protocol", &json::is_string))
    return "ceremony and protocol must be strings";
  if (!small(body, "k") || !small(body, "trustee") || !small(body, "round")) return "k, trustee and round must be integers from 0 to 255";
  if (!absent_or(body, "time", &json::is_number_unsigned)) return "time must be an unsigned integer";
  if (body.contains("epoch") && !(body["epoch"].is_number_unsigned() && body["epoch"].get<uint64_t>() <= UINT32_MAX))
    return "epoch must be an integer from 0 to 2^32 - 1";
  if (!absent_or(body, "dealers", &json::is_array)) return "dealers must be an array";
  for (const auto& d : body.value("dealers", json::array()))
    if (!d.is_number_unsigned() || d.get<uint64_t>() > 255) return "each dealer must be an integer from 0 to 255";
  if (!absent_or(body, "roster", &json::is_array) || !absent_or(body, "messages", &json::is_array) ||
      !absent_or(body, "confirmations", &json::is_array))
    return "roster, messages and confirmations must be arrays";
  for (const auto& e : body.value("roster", json::array()))
    if (!e.is_object() || !small(e, "trustee") || !absent_or(e, "ed25519", &json::is_string) || !absent_or(e, "x25519", &json::is_string))
      return "each roster entry must be {trustee: 1..255, ed25519: hex, x25519: hex}";
  for (const auto& m : body.value("messages", json::array()))
    if (!m.is_object() || !small(m, "to") || !absent_or(m, "message", &json::is_string))
      return "each message must be {to: 0..255 (a share's recipient, for the relay), message: hex (a signed frame, SPEC 12.4)}";
  for (const auto& c : body.value("confirmations", json::array()))
    if (!c.is_object() || !small(c, "trustee") || !absent_or(c, "signature", &json::is_string))
      return "each confirmation must be {trustee: 1..255, signature: hex}";
  return std::nullopt;
}

}  // namespace

Reply Trustee::ceremony(std::string_view text, uint64_t now, const std::string& source) {
  // Outside the trustee's lock: hashing the body, checking the operator's signature and parsing the
  // call, up to 16 MiB of it (operator_key_ does not change after open()). Under the lock, these
  // held up every other request.
  const auto raw = std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  const auto request_hash = escrow::Hasher(escrow::domain::kTrusteeRawRequest, 32).add(raw).finish<32>();
  std::string why;
  std::optional<std::string> call_text;
  if (operator_key_) call_text = verified_call_text(text, *operator_key_, why);
  json body;
  std::optional<std::string> problem;
  if (call_text) {
    // The HTTP layer's depth and count bounds saw the call only as one JSON string: apply them to
    // its text too before parsing (an outside test this round sent a signed 8 MB call of nested
    // arrays; parsing it took the trustee from 14 MB to 315 MB).
    problem = json_bounds_problem(*call_text);
    if (!problem) {
      body = parse_strict_json(*call_text);
      problem = body.is_discarded() ? std::optional<std::string>("the call is not JSON, or names a key twice") : shape_problem(body);
    }
  }

  std::lock_guard lock(mu_);
  // Nobody but the operator: an unsigned or wrongly signed call is refused before it is parsed, and
  // counted, not logged one by one (SPEC §11.2, unauthenticated refusals).
  if (!operator_key_)
    return refuse_unauthenticated(source, kCeremonyUnauthenticated, request_hash, now, 403, "no_operator",
                                  "this trustee was initialised without an operator key: it takes part in no ceremony");
  if (!call_text) return refuse_unauthenticated(source, kCeremonyUnauthenticated, request_hash, now, 401, "bad_operator_signature", why);

  // From here the operator signed the call. Every step taken is its own log entry; a call refused
  // changes nothing and is counted like an unauthenticated one: whoever saw the operator's calls
  // on the wire can replay them (a used id, a past step), and must not grow the log one by one.
  std::array<uint8_t, 32> ceremony_slot{};  // the log's warrant slot holds the ceremony id, zero-padded
  auto record = [&](uint8_t decision, const std::string& reason) -> Result<void> {
    const std::size_t before = tree_size();
    auto r = db_.transaction([&] { return append({{now, request_hash, ceremony_slot, {}, decision, reason}}); });
    if (!r) rollback(before);
    return r;
  };
  auto refuse_call = [&](int status, std::string reason) -> Reply {
    return refuse_unauthenticated(source, kCeremonyRefused, request_hash, now, status, "bad_ceremony", std::move(reason));
  };
  if (problem) return refuse_call(400, *problem);
  std::array<uint8_t, 16> id{};
  if (!hex_into(body, "ceremony", id)) return refuse_call(400, "ceremony id must be 16 bytes of hex");
  std::copy(id.begin(), id.end(), ceremony_slot.begin());
  if (body.value("trustee", 0u) != index_) return refuse_call(400, fmt::format("the call is addressed to trustee {}, not {}", body.value("trustee", 0u), index_));
  const std::string action = body["action"].get<std::string>();
  const auto me = *PartyIndex::make(index_);
  json out_messages = json::array();

  // This trustee's messages of the party's open round, each a signed frame (lib/dkg/message.cpp):
  // a share sealed to its recipient's X25519 key, everything signed with this trustee's Ed25519 key.
  auto emit_round = [&]() -> Result<void> {
    const auto& party = *ceremony_->party;
    const dkg::FrameContext context{ceremony_->id, ceremony_->protocol, party.round()};
    for (const auto& m : party.messages()) {
      const auto to = dkg::recipient(m);
      auto frame = dkg::make_frame(context, m, sign_secret_, to ? &ceremony_->roster.at(*to).box_key : nullptr);
      if (!frame) return escrow::unexpected(frame.error());
      json j = {{"message", to_hex(*frame)}};
      if (to) j["to"] = to->value();  // for the relay; the signed frame says it too
      out_messages.push_back(std::move(j));
    }
    return {};
  };

  if (action == "begin") {
    const uint64_t t = body.value("time", uint64_t{0});
    if ((now > t ? now - t : t - now) > freshness_) return refuse_call(401, "the begin call is not fresh (its time is too far from the trustee's clock)");
    // An operator-signed begin refused because another ceremony runs is spent all the same: kept
    // unspent, anyone who saw it could replay it within its freshness window, once the running
    // ceremony is idle, and start a ceremony the operator never meant (outside test, 2026-12-01).
    auto burn_id = [&] {
      if (auto st = db_.prepare("INSERT OR IGNORE INTO ceremonies (id, time) VALUES (?, ?)")) {
        st->bind(1, id).bind(2, static_cast<int64_t>(now));
        (void)st->run();
      }
    };
    if (ceremony_) {
      if (now - std::min(now, ceremony_->last_step) < kCeremonyIdleSeconds) {
        burn_id();
        return refuse_call(409, fmt::format("ceremony {} is in progress", to_hex(ceremony_->id)));
      }
      // A key computed and awaiting its commit is never abandoned for idleness: only `commit`
      // (`ceremony commit --resume`) or the operator's `abort` ends it.
      if (ceremony_->pending_key) {
        burn_id();
        return refuse_call(409, fmt::format("ceremony {} has a key awaiting its commit: commit it (--resume) or abort it first",
                                            to_hex(ceremony_->id)));
      }
      // Abandoned by its coordinator: logged as such before the new one starts.
      std::array<uint8_t, 32> old_slot{};
      std::copy(ceremony_->id.begin(), ceremony_->id.end(), old_slot.begin());
      const std::size_t before = tree_size();
      auto r = db_.transaction([&] {
        return append({{now, request_hash, old_slot, {}, kCeremonyAborted, fmt::format("abandoned: no step for {} s", kCeremonyIdleSeconds)}});
      });
      if (!r) {
        rollback(before);
        return {500, {{"error", "internal"}, {"reason", "could not write the log"}}};
      }
      ceremony_.reset();
      (void)drop_pending();  // the ceremony is over either way; a row left behind is dropped at the next commit
    }
    {
      auto st = db_.prepare("SELECT 1 FROM ceremonies WHERE id = ?");
      if (!st) return {500, {{"error", "internal"}}};
      st->bind(1, id);
      auto used = st->step();
      if (!used) return {500, {{"error", "internal"}}};
      if (*used) return refuse_call(409, "this ceremony id was used before");
    }
    Ceremony c;
    c.id = id;
    auto protocol = dkg::protocol_named(body.value("protocol", ""));
    if (!protocol) return refuse_call(400, "protocol must be gjkr, joint_feldman, refresh or reshare");
    c.protocol = *protocol;
    if (!body.contains("roster")) return refuse_call(400, "need a roster");
    for (const auto& e : body["roster"]) {
      auto i = PartyIndex::make(e.value("trustee", 0u));
      RosterEntry r;
      if (!i || !hex_into(e, "ed25519", r.sign_key) || !hex_into(e, "x25519", r.box_key) || c.roster.contains(*i))
        return refuse_call(400, "roster entries need a unique trustee index and both keys");
      c.roster.emplace(*i, r);
    }
    c.n = c.roster.size();
    c.k = body.value("k", 0u);
    if (c.n == 0 || c.k < 1 || c.k > c.n || c.roster.rbegin()->first.value() != c.n) return refuse_call(400, "need 1 <= k <= n and indices 1..n");
    c.roster_bytes = roster_encoding(c.roster);
    if (!roster_.empty() && c.roster_bytes != roster_) return refuse_call(403, "the roster is not the one this trustee is enrolled in");
    // The roster must list this trustee with its own keys, or its messages would be refused.
    if (!c.roster.contains(me) || c.roster.at(me).sign_key != sign_public_ || c.roster.at(me).box_key != box_public_)
      return refuse_call(403, "the roster does not list this trustee's keys");
    std::optional<std::pair<escrow::tdh2::PublicKey, escrow::tdh2::KeyShare>> previous;
    std::string plan_text;  // for the log: a resharing's dealers and epoch
    if (c.protocol == dkg::Protocol::refresh || c.protocol == dkg::Protocol::reshare) {
      if (!share_ || pk_->k != c.k || pk_->n != c.n) return refuse_call(409, "refresh needs a current key with the same k and n");
      previous.emplace(*pk_, share_->clone());
    } else if (share_) {
      return refuse_call(409, "this trustee already holds a share; use refresh");
    }
    if (c.protocol == dkg::Protocol::reshare) {
      // SPEC §12.7: the dealers hold shares of epoch `epoch`; every trustee ends at epoch + 1, which
      // must be above its own (the library refuses a plan this trustee cannot take part in).
      if (!body.contains("dealers") || !body.contains("epoch")) return refuse_call(400, "a resharing needs dealers and epoch");
      dkg::Resharing plan;
      plan.epoch = static_cast<uint32_t>(body["epoch"].get<uint64_t>());
      for (const auto& d : body["dealers"]) {
        auto i = PartyIndex::make(static_cast<uint32_t>(d.get<uint64_t>()));
        if (!i) return refuse_call(400, "dealers are trustee indices 1..n");
        plan.dealers.push_back(*i);
        plan_text += (plan_text.empty() ? "" : ",") + std::to_string(i->value());
      }
      auto party = dkg::Party::resharing(me, c.k, c.n, plan, std::move(*previous), rng_);
      if (!party) return refuse_call(409, "this trustee cannot take part in that resharing: " + plain_reason(party.error()));
      c.party.emplace(std::move(*party));
      plan_text = fmt::format(", dealers {} of epoch {}, this trustee at epoch {}", plan_text, plan.epoch, pk_->epoch);
    } else {
      c.party.emplace(c.protocol, me, c.k, c.n, rng_, std::move(previous));
    }
    c.step = 1;
    c.last_step = now;
    const std::string protocol_name = body.value("protocol", "");
    {
      auto st = db_.prepare("INSERT INTO ceremonies (id, time) VALUES (?, ?)");
      if (!st) return {500, {{"error", "internal"}}};
      st->bind(1, id).bind(2, static_cast<int64_t>(now));
      const std::size_t before = tree_size();
      auto r = db_.transaction([&]() -> Result<void> {
        if (auto run = st->run(); !run) return run;
        return append({{now, request_hash, ceremony_slot, {}, kCeremonyBegun, fmt::format("{} begun: k = {}, n = {}{}", protocol_name, c.k, c.n, plan_text)}});
      });
      if (!r) {
        rollback(before);
        return {500, {{"error", "internal"}, {"reason", "could not write the log"}}};
      }
    }
    ceremony_ = std::make_unique<Ceremony>(std::move(c));
    if (auto sent = emit_round(); !sent) return {500, {{"error", "internal"}, {"reason", plain_reason(sent.error())}}};
    return {200, {{"trustee", index_}, {"round", ceremony_->step}, {"messages", out_messages}}};
  }

  if (!ceremony_ || id != ceremony_->id) return refuse_call(409, "not the ceremony in progress");

  if (action == "abort") {
    ceremony_.reset();
    (void)drop_pending();  // the ceremony is over either way; a row left behind is dropped at the next commit
    if (auto r = record(kCeremonyAborted, "aborted by the operator"); !r) return {500, {{"error", "internal"}}};
    return {200, {{"trustee", index_}, {"aborted", true}}};
  }

  if (action == "commit") {
    if (!ceremony_->pending_key) return refuse_call(409, "nothing to commit: the ceremony has not finished");
    // One confirmation from every roster member, each over this trustee's own key: then all n
    // computed the same key, and storing it cannot split the authority.
    const auto key_bytes = ceremony_->pending_key->encode();
    const auto message = confirmation_message(ceremony_->id, key_bytes);
    std::set<uint8_t> confirmed;
    for (const auto& c : body.value("confirmations", json::array())) {
      auto who = PartyIndex::make(c.value("trustee", 0u));
      escrow::signature::Signature sig{};
      if (!who || !ceremony_->roster.contains(*who) || !hex_into(c, "signature", sig)) continue;
      if (escrow::signature::verify(escrow::domain::kCeremonyConfirm, message, sig, ceremony_->roster.at(*who).sign_key))
        confirmed.insert(who->value());
    }
    if (confirmed.size() != ceremony_->n) {
      std::string missing;
      for (const auto& [i, e] : ceremony_->roster)
        if (!confirmed.contains(i.value())) missing += (missing.empty() ? "" : ", ") + std::to_string(i.value());
      return refuse_call(409, fmt::format("no valid confirmation of this key from trustee(s) {}: the share is not stored", missing));
    }
    const auto epoch = ceremony_->pending_key->epoch;
    if (auto r = store_key(*ceremony_->pending_key, *ceremony_->pending_share, ceremony_->roster_bytes); !r)
      return {500, {{"error", "internal"}, {"reason", "could not store the new share"}}};
    ceremony_.reset();
    if (auto r = record(kCeremonyCommitted, fmt::format("committed: key of epoch {} stored, confirmed by all {} trustees", epoch, confirmed.size()));
        !r)
      return {500, {{"error", "internal"}}};
    return {200, {{"trustee", index_}, {"committed", true}, {"epoch", epoch}}};
  }

  if (action != "round" && action != "finish") return refuse_call(400, "action must be begin, round, finish, commit or abort");
  if (!ceremony_->party || ceremony_->pending_key) return refuse_call(409, "the ceremony has finished: it awaits commit or abort");
  // Steps: begin (the first round's messages), one call per further round of dkg::rounds(), finish.
  const std::size_t next = ceremony_->step + 1, last = dkg::rounds(ceremony_->protocol).size() + 1;
  if (body.value("round", 0u) != next) return refuse_call(409, fmt::format("expected the call for step {}", next));
  if ((action == "finish") != (next == last)) return refuse_call(409, fmt::format("step {} is {}", next, next == last ? "finish" : "a round"));
  auto& party = *ceremony_->party;

  // Ingest the previous round's messages: signed by their sender, addressed to everyone or to us.
  json errors = json::array();
  auto note = [&](escrow::Result<void> r) {
    if (!r) errors.push_back(plain_reason(r.error()));
  };
  // Each message is a signed frame: parsed, its sender looked up in the roster, then checked
  // (ceremony, protocol, open round, signature, addressee, a share opened) before the party sees it.
  const dkg::FrameContext context{ceremony_->id, ceremony_->protocol, party.round()};
  const dkg::Recipient self{me, box_public_, box_secret_};
  for (const auto& m : body.value("messages", json::array())) {
    auto bytes = from_hex(m.value("message", ""));  // shape_problem: every field has its type
    auto frame = bytes ? dkg::parse_frame(*bytes) : escrow::Result<dkg::Frame>(escrow::unexpected(bytes.error()));
    if (!frame || !ceremony_->roster.contains(frame->from)) {
      errors.push_back("dropped a malformed message, or one from outside the roster");
      continue;
    }
    auto message = dkg::open_frame(*frame, context, ceremony_->roster.at(frame->from).sign_key, self);
    if (!message) {
      errors.push_back("dropped: " + plain_reason(message.error()));
      continue;
    }
    note(party.receive(*message));
  }

  party.close();
  ceremony_->step = next;
  ceremony_->last_step = now;
  if (action == "round") {
    if (auto sent = emit_round(); !sent) return {500, {{"error", "internal"}, {"reason", plain_reason(sent.error())}}};
    if (auto r = record(kCeremonyRound, fmt::format("round {}: {} messages in, {} out", ceremony_->step, body["messages"].size(), out_messages.size())); !r)
      return {500, {{"error", "internal"}}};
    return {200, {{"trustee", index_}, {"round", ceremony_->step}, {"messages", out_messages}, {"errors", errors}}};
  }

  // finish: the key this trustee computed, checked against the key it must be, kept pending.
  auto outcome = party.finish();
  json disq = json::object();
  if (outcome)
    for (const auto& [p, reason] : outcome->disqualified) disq[std::to_string(p.value())] = reason;
  std::optional<std::string> wrong;
  if (!outcome) wrong = plain_reason(outcome.error());
  else if (!outcome->disqualified.empty()) wrong = fmt::format("{} roster member(s) disqualified: every trustee of the roster must take part", outcome->disqualified.size());
  else if (ceremony_->protocol == dkg::Protocol::refresh &&
           (!(outcome->public_key.y == pk_->y) || outcome->public_key.k != pk_->k || outcome->public_key.n != pk_->n ||
            outcome->public_key.epoch != pk_->epoch + 1))
    wrong = "the refresh did not end with the same authority key at the next epoch";
  else if (ceremony_->protocol == dkg::Protocol::reshare &&
           (!(outcome->public_key.y == pk_->y) || outcome->public_key.k != pk_->k || outcome->public_key.n != pk_->n ||
            outcome->public_key.epoch <= pk_->epoch))
    wrong = "the resharing did not end with the same authority key at an epoch above this trustee's";
  if (wrong) {
    ceremony_.reset();
    (void)record(kCeremonyAborted, "failed: " + *wrong);
    return {409, {{"error", "ceremony_failed"}, {"reason", *wrong}, {"trustee", index_}, {"disqualified", disq}}};
  }
  const auto key_bytes = outcome->public_key.encode();
  const auto confirmation = escrow::signature::sign(escrow::domain::kCeremonyConfirm, confirmation_message(ceremony_->id, key_bytes), sign_secret_);
  json qual = json::array();
  for (auto p : outcome->qualified) qual.push_back(p.value());
  ceremony_->pending_key = outcome->public_key;
  ceremony_->pending_share.emplace(std::move(outcome->share));
  // Kept on disk (the share sealed at rest) with the step's log entry: a trustee restarted between
  // finish and commit still holds the key its confirmation vouches for, and can be committed later.
  {
    const std::size_t before = tree_size();
    auto r = db_.transaction([&]() -> Result<void> {
      if (auto kept = keep_pending(); !kept) return kept;
      return append({{now, request_hash, ceremony_slot, {}, kCeremonyFinished,
                      fmt::format("finished: key of epoch {} computed, awaiting {} confirmations", outcome->public_key.epoch, ceremony_->n)}});
    });
    if (!r) {
      rollback(before);
      ceremony_.reset();
      return {500, {{"error", "internal"}, {"reason", "could not keep the pending key"}}};
    }
  }
  return {200, {{"trustee", index_}, {"public_key", to_hex(key_bytes)}, {"epoch", outcome->public_key.epoch}, {"qualified", qual},
                {"disqualified", disq}, {"errors", errors}, {"confirmation", to_hex(confirmation)}}};
}

namespace {
constexpr const char* kPendingRows[] = {"pending_ceremony", "pending_authority", "pending_secrets"};

// The roster's encoding (roster_encoding) read back: n || n × (index || Ed25519 || X25519).
std::optional<std::map<PartyIndex, RosterEntry>> roster_from(std::span<const uint8_t> bytes) {
  if (bytes.empty() || bytes.size() != 1 + std::size_t{bytes[0]} * 65) return std::nullopt;
  std::map<PartyIndex, RosterEntry> roster;
  for (std::size_t i = 0; i < bytes[0]; ++i) {
    const auto* e = bytes.data() + 1 + i * 65;
    auto index = PartyIndex::make(e[0]);
    if (!index || roster.contains(*index)) return std::nullopt;
    RosterEntry r;
    std::copy(e + 1, e + 33, r.sign_key.begin());
    std::copy(e + 33, e + 65, r.box_key.begin());
    roster.emplace(*index, r);
  }
  return roster;
}
}  // namespace

Result<void> Trustee::keep_pending() {
  const auto& c = *ceremony_;
  std::vector<uint8_t> head(c.id.begin(), c.id.end());
  head.insert(head.end(), c.roster_bytes.begin(), c.roster_bytes.end());
  const std::vector<std::vector<uint8_t>> values = {head, c.pending_key->encode(), sealed_secrets(*c.pending_share)};
  auto st = db_.prepare("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)");
  if (!st) return escrow::unexpected(st.error());
  for (std::size_t i = 0; i < values.size(); ++i) {
    st->reset().bind(1, std::string(kPendingRows[i])).bind(2, values[i]);
    if (auto r = st->run(); !r) return r;
  }
  return {};
}

Result<void> Trustee::drop_pending() {
  auto st = db_.prepare("DELETE FROM config WHERE key IN ('pending_ceremony', 'pending_authority', 'pending_secrets')");
  if (!st) return escrow::unexpected(st.error());
  return st->run();
}

Result<void> Trustee::restore_pending(uint64_t now) {
  constexpr std::string_view fn = "trustee::open";
  auto read = [&](const char* key) -> std::optional<std::vector<uint8_t>> {
    auto st = db_.prepare("SELECT value FROM config WHERE key = ?");
    if (!st) return std::nullopt;
    st->bind(1, std::string(key));
    auto row = st->step();
    if (!row || !*row) return std::nullopt;
    return st->column_blob(0);
  };
  auto head = read(kPendingRows[0]);
  if (!head) return {};  // no ceremony between finish and commit
  auto key = read(kPendingRows[1]);
  auto sealed = read(kPendingRows[2]);
  auto roster = head->size() > 16 ? roster_from(std::span(*head).subspan(16)) : std::nullopt;
  if (!key || !sealed || !roster) return escrow::fail(escrow::ErrorCategory::malformed, fn, "the pending ceremony's rows are damaged");
  auto pk = escrow::tdh2::PublicKey::decode(*key);
  if (!pk) return escrow::unexpected(pk.error());
  auto plain = at_rest::open(at_rest_key_, index_, *sealed);
  if (!plain) return escrow::unexpected(plain.error());
  auto share = escrow::tdh2::KeyShare::decode(std::span(*plain).subspan(96));  // after sign_sk and box_sk
  if (!share) return escrow::unexpected(share.error());
  Ceremony c;
  std::copy(head->begin(), head->begin() + 16, c.id.begin());
  c.roster = std::move(*roster);
  c.roster_bytes.assign(head->begin() + 16, head->end());
  c.n = c.roster.size();
  // No party: the rounds are over, and only commit and abort are taken.
  c.last_step = now;
  c.pending_key = std::move(*pk);
  c.pending_share.emplace(std::move(*share));
  ceremony_ = std::make_unique<Ceremony>(std::move(c));
  return {};
}

}  // namespace doormat::authority
