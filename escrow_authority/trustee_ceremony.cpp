// The trustee's side of a DKG or refresh ceremony (SPEC §12.4). A coordinator relays messages;
// it is not trusted with anything: broadcasts are signed by their trustee, private shares are
// sealed to their recipient, and every trustee checks both against the roster.
#include <fmt/format.h>
#include <sodium.h>

#include "escrow/dkg.hpp"
#include "escrow/domain.hpp"
#include "escrow/signature.hpp"
#include "escrow/wire.hpp"
#include "trustee.hpp"

namespace doormat::authority {
using escrow::PartyIndex;
using escrow::wire::from_hex;
using escrow::wire::to_hex;
namespace dkg = escrow::dkg;
using nlohmann::json;

struct RosterEntry {
  std::array<uint8_t, 32> sign_key{};
  std::array<uint8_t, 32> box_key{};
};

struct Trustee::Ceremony {
  std::array<uint8_t, 16> id{};
  dkg::Protocol protocol = dkg::Protocol::gjkr;
  std::size_t k = 0, n = 0;
  std::map<PartyIndex, RosterEntry> roster;
  std::optional<dkg::Party> party;
  int round = 0;
};

Trustee::Trustee(db::Database db) : db_(std::move(db)) {}
Trustee::~Trustee() = default;

namespace {

std::vector<uint8_t> signed_bytes(const std::array<uint8_t, 16>& id, int round, const std::string& kind, uint8_t to,
                                  std::span<const uint8_t> payload) {
  // `kind` can come from a caller's JSON, so the overflow is an answer here, not an abort: an
  // over-long kind yields no bytes, which no trustee ever signs (its messages start with the id).
  auto bytes = escrow::wire::Writer()
                   .bytes(id)
                   .u8(static_cast<uint8_t>(round))
                   .bytes_u8({reinterpret_cast<const uint8_t*>(kind.data()), kind.size()})
                   .u8(to)
                   .bytes_u32(payload)
                   .finish("trustee ceremony message");
  return bytes ? std::move(*bytes) : std::vector<uint8_t>{};
}

std::optional<dkg::Protocol> protocol_of(const std::string& name) {
  if (name == "gjkr") return dkg::Protocol::gjkr;
  if (name == "joint_feldman") return dkg::Protocol::joint_feldman;
  if (name == "refresh") return dkg::Protocol::refresh;
  return std::nullopt;
}

template <std::size_t N>
bool hex_into(const json& j, const char* field, std::array<uint8_t, N>& out) {
  if (!j.contains(field) || !j[field].is_string()) return false;
  auto b = from_hex(j[field].get<std::string>());
  if (!b || b->size() != N) return false;
  std::copy(b->begin(), b->end(), out.begin());
  return true;
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
  if (!body.is_object()) return "the body must be a JSON object";
  if (!body.contains("action") || !body["action"].is_string()) return "need an action";
  if (!absent_or(body, "ceremony", &json::is_string) || !absent_or(body, "protocol", &json::is_string))
    return "ceremony and protocol must be strings";
  if (!small(body, "k")) return "k must be an integer from 1 to 255";
  if (!absent_or(body, "roster", &json::is_array) || !absent_or(body, "messages", &json::is_array))
    return "roster and messages must be arrays";
  for (const auto& e : body.value("roster", json::array()))
    if (!e.is_object() || !small(e, "trustee") || !absent_or(e, "ed25519", &json::is_string) || !absent_or(e, "x25519", &json::is_string))
      return "each roster entry must be {trustee: 1..255, ed25519: hex, x25519: hex}";
  for (const auto& m : body.value("messages", json::array()))
    if (!m.is_object() || !small(m, "from") || !small(m, "to") || !absent_or(m, "round", &json::is_number_unsigned) ||
        !absent_or(m, "kind", &json::is_string) || !absent_or(m, "payload", &json::is_string) || !absent_or(m, "signature", &json::is_string))
      return "each message must be {from, to: 0..255, round: integer, kind, payload, signature: strings}";
  return std::nullopt;
}

}  // namespace

Reply Trustee::ceremony(std::string_view text) {
  std::lock_guard lock(mu_);
  auto bad = [&](std::string reason) { return Reply{400, {{"error", "bad_ceremony"}, {"reason", std::move(reason)}, {"trustee", index()}}}; };
  const auto body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return bad("the body is not JSON");
  if (auto problem = shape_problem(body)) return bad(*problem);
  const std::string action = body["action"].get<std::string>();
  const auto me = *PartyIndex::make(index_);
  json out_messages = json::array();

  // Signs and appends one outgoing message; private shares are sealed to their recipient first.
  auto emit = [&](const std::string& kind, std::span<const uint8_t> plain, std::optional<PartyIndex> to) {
    std::vector<uint8_t> payload(plain.begin(), plain.end());
    if (to) {
      payload.resize(plain.size() + crypto_box_SEALBYTES);
      crypto_box_seal(payload.data(), plain.data(), plain.size(), ceremony_->roster.at(*to).box_key.data());
    }
    const auto sig = escrow::signature::sign(escrow::domain::kDkgMessage,
                                             signed_bytes(ceremony_->id, ceremony_->round, kind, to ? to->value() : 0, payload), sign_secret_);
    json m = {{"from", index_}, {"round", ceremony_->round}, {"kind", kind}, {"payload", to_hex(payload)}, {"signature", to_hex(sig)}};
    if (to) m["to"] = to->value();
    out_messages.push_back(std::move(m));
  };

  if (action == "begin") {
    Ceremony c;
    if (!hex_into(body, "ceremony", c.id)) return bad("ceremony id must be 16 bytes of hex");
    auto protocol = protocol_of(body.value("protocol", ""));
    if (!protocol) return bad("protocol must be gjkr, joint_feldman or refresh");
    c.protocol = *protocol;
    if (!body.contains("roster") || !body["roster"].is_array()) return bad("need a roster");
    for (const auto& e : body["roster"]) {
      auto i = PartyIndex::make(e.value("trustee", 0u));
      RosterEntry r;
      if (!i || !hex_into(e, "ed25519", r.sign_key) || !hex_into(e, "x25519", r.box_key) || c.roster.contains(*i))
        return bad("roster entries need a unique trustee index and both keys");
      c.roster.emplace(*i, r);
    }
    c.n = c.roster.size();
    c.k = body.value("k", 0u);
    // The roster must be 1..n and list this trustee with its own keys, or its messages would be refused.
    if (c.k < 1 || c.k > c.n || c.roster.rbegin()->first.value() != c.n) return bad("need 1 <= k <= n and indices 1..n");
    if (!c.roster.contains(me) || c.roster.at(me).sign_key != sign_public_ || c.roster.at(me).box_key != box_public_)
      return bad("the roster does not list this trustee's keys");
    std::optional<std::pair<escrow::tdh2::PublicKey, escrow::tdh2::KeyShare>> previous;
    if (c.protocol == dkg::Protocol::refresh) {
      if (!share_ || pk_->k != c.k || pk_->n != c.n) return bad("refresh needs a current key with the same k and n");
      previous.emplace(*pk_, *share_);
    } else if (share_) {
      return bad("this trustee already holds a share; use refresh");
    }
    c.party.emplace(c.protocol, me, c.k, c.n, rng_, previous);
    c.round = 1;
    ceremony_ = std::make_unique<Ceremony>(std::move(c));
    emit("deal", dkg::encode(ceremony_->party->deal()), std::nullopt);
    for (const auto& s : ceremony_->party->shares()) emit("share", dkg::encode(s), s.to);
    return {200, {{"trustee", index_}, {"round", 1}, {"messages", out_messages}}};
  }

  if (!ceremony_) return bad("no ceremony in progress");
  std::array<uint8_t, 16> id{};
  if (!hex_into(body, "ceremony", id) || id != ceremony_->id) return bad("not the ceremony in progress");
  auto& party = *ceremony_->party;

  // Ingest the previous round's messages: signed by their sender, addressed to everyone or to us.
  json errors = json::array();
  auto note = [&](escrow::Result<void> r) {
    if (!r) errors.push_back(r.error().message());
  };
  for (const auto& m : body.value("messages", json::array())) {
    auto from = PartyIndex::make(m.value("from", 0u));  // shape_problem: every field has its type
    const std::string kind = m.value("kind", "");
    std::array<uint8_t, 64> sig{};
    auto payload = from_hex(m.value("payload", ""));
    const uint8_t to = static_cast<uint8_t>(m.value("to", 0u));
    if (!from || !ceremony_->roster.contains(*from) || !payload || !hex_into(m, "signature", sig) ||
        m.value("round", uint64_t{0}) != static_cast<uint64_t>(ceremony_->round)) {
      errors.push_back("dropped a malformed or out-of-round message");
      continue;
    }
    if (!escrow::signature::verify(escrow::domain::kDkgMessage, signed_bytes(ceremony_->id, ceremony_->round, kind, to, *payload), sig,
                                   ceremony_->roster.at(*from).sign_key)) {
      errors.push_back(fmt::format("dropped a message from trustee {} with a bad signature", from->value()));
      continue;
    }
    if (kind == "deal") {
      auto d = dkg::decode_deal(*payload);
      if (d && d->from == *from) note(party.receive(*d));
    } else if (kind == "share" && to == index_) {
      escrow::SecureBytes plain(payload->size() >= crypto_box_SEALBYTES ? payload->size() - crypto_box_SEALBYTES : 0);
      if (payload->size() < crypto_box_SEALBYTES ||
          crypto_box_seal_open(plain.data(), payload->data(), payload->size(), box_public_.data(), box_secret_.expose().data()) != 0) {
        errors.push_back(fmt::format("share from trustee {} does not open", from->value()));
        continue;
      }
      auto s = dkg::decode_share(plain);
      if (s && s->from == *from) note(party.receive(*s));
    } else if (kind == "complaint" || kind == "extraction_complaint") {
      auto c = dkg::decode_complaint(*payload);
      if (c && c->from == *from) note(kind == "complaint" ? party.receive(*c) : party.receive_extraction_complaint(*c));
    } else if (kind == "justification" || kind == "reveal") {
      auto s = dkg::decode_share(*payload);
      if (!s) continue;
      if (kind == "justification" && s->from == *from) note(party.receive_justification(*s));
      if (kind == "reveal" && s->to == *from) note(party.receive_reveal(*s));
    } else if (kind == "extraction") {
      auto e = dkg::decode_extraction(*payload);
      if (e && e->from == *from) note(party.receive(*e));
    }
  }

  ++ceremony_->round;
  const bool gjkr = ceremony_->protocol == dkg::Protocol::gjkr;
  const int last = gjkr ? 7 : 4;
  if (action == "round" && ceremony_->round < last) {
    switch (ceremony_->round) {
      case 2:
        for (const auto& c : party.complaints()) emit("complaint", dkg::encode(c), std::nullopt);
        break;
      case 3:
        for (const auto& j : party.justifications()) emit("justification", dkg::encode(j), std::nullopt);
        break;
      case 4:
        if (auto e = party.extraction()) emit("extraction", dkg::encode(*e), std::nullopt);
        break;
      case 5:
        for (const auto& c : party.extraction_complaints()) emit("extraction_complaint", dkg::encode(c), std::nullopt);
        break;
      case 6:
        for (const auto& r : party.reveals()) emit("reveal", dkg::encode(r), std::nullopt);
        break;
    }
    return {200, {{"trustee", index_}, {"round", ceremony_->round}, {"messages", out_messages}, {"errors", errors}}};
  }
  if (action != "finish" || ceremony_->round != last) return bad(fmt::format("expected round {} or finish", ceremony_->round));

  auto outcome = party.finish();
  ceremony_.reset();
  if (!outcome) return {409, {{"error", "ceremony_failed"}, {"reason", outcome.error().message()}, {"trustee", index_}}};
  json disq = json::object();
  for (const auto& [p, why] : outcome->disqualified) disq[std::to_string(p.value())] = why;
  json qual = json::array();
  for (auto p : outcome->qualified) qual.push_back(p.value());
  if (auto r = store_key(outcome->public_key, outcome->share); !r)
    return {500, {{"error", "internal"}, {"reason", r.error().message()}}};
  return {200, {{"trustee", index_}, {"public_key", to_hex(outcome->public_key.encode())}, {"epoch", outcome->public_key.epoch},
                {"qualified", qual}, {"disqualified", disq}, {"errors", errors}}};
}

}  // namespace doormat::authority
