// The payload encodings of the DKG messages (SPEC §12.3): one DRMT object per message type.
#include <sodium.h>

#include "escrow/dkg.hpp"
#include "escrow/wire.hpp"

#include <fmt/format.h>

namespace escrow::dkg {
using group::Point;
using group::Scalar;

// ---- encodings (SPEC §12.3) ----

namespace {
void put_points(wire::Writer& w, const std::vector<Point>& points) {
  w.count_u8(points.size());
  for (const auto& p : points) w.bytes(p.to_bytes());
}
std::vector<Point> get_points(wire::Reader& r) {
  std::vector<Point> out;
  const unsigned count = r.u8();
  for (unsigned i = 0; r.ok() && i < count; ++i) {
    auto p = Point::from_bytes(r.bytes(32), group::IdentityPoint::allow);  // identity refused by the state machine, with blame
    if (!p) r.reject("commitment is not a canonical point");
    else out.push_back(*p);
  }
  return out;
}
std::optional<PartyIndex> get_party(wire::Reader& r) {
  auto p = PartyIndex::make(r.u8());
  if (r.ok() && !p) r.reject("party index 0");
  return p;
}
void put_share_body(wire::Writer& w, const Share& s) {
  w.u8(s.from.value()).u8(s.to.value()).bytes(s.s.to_bytes()).bytes(s.s_prime.to_bytes());
}
std::optional<Share> get_share_body(wire::Reader& r) {
  auto from = get_party(r), to = get_party(r);
  auto s = Scalar::from_bytes(r.bytes(32), group::ZeroScalar::allow);
  auto s_prime = Scalar::from_bytes(r.bytes(32), group::ZeroScalar::allow);
  if (r.ok() && (!s || !s_prime)) r.reject("share is not a canonical scalar");
  if (!r.ok()) return std::nullopt;
  return Share{*from, *to, *s, *s_prime};
}
}  // namespace

std::vector<uint8_t> encode(const Deal& d) {
  wire::Writer w;
  w.header(wire::ObjectType::dkg_deal).u8(d.from.value());
  put_points(w, d.commitments);
  return w.take();
}

SecureBytes encode(const Share& s) {
  wire::Writer w;
  w.header(wire::ObjectType::dkg_share);
  put_share_body(w, s);
  auto plain = w.take();
  SecureBytes out(plain.begin(), plain.end());
  sodium_memzero(plain.data(), plain.size());
  return out;
}

std::vector<uint8_t> encode(const Complaint& c) {
  wire::Writer w;
  w.header(wire::ObjectType::dkg_complaint).u8(c.from.value()).u8(c.against.value()).u8(c.evidence ? 1 : 0);
  if (c.evidence) put_share_body(w, *c.evidence);
  return w.take();
}

std::vector<uint8_t> encode(const Extraction& e) {
  wire::Writer w;
  w.header(wire::ObjectType::dkg_extraction).u8(e.from.value());
  put_points(w, e.commitments);
  return w.take();
}

Result<Deal> decode_deal(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "dkg::decode_deal");
  r.header(wire::ObjectType::dkg_deal);
  auto from = get_party(r);
  auto points = get_points(r);
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return Deal{*from, std::move(points)};
}

Result<Share> decode_share(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "dkg::decode_share");
  r.header(wire::ObjectType::dkg_share);
  auto s = get_share_body(r);
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return *s;
}

Result<Complaint> decode_complaint(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "dkg::decode_complaint");
  r.header(wire::ObjectType::dkg_complaint);
  auto from = get_party(r), against = get_party(r);
  const uint8_t has = r.u8();
  if (r.ok() && has > 1) r.reject("evidence flag must be 0 or 1");
  std::optional<Share> evidence;
  if (r.ok() && has) evidence = get_share_body(r);
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return Complaint{*from, *against, evidence};
}

Result<Extraction> decode_extraction(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "dkg::decode_extraction");
  r.header(wire::ObjectType::dkg_extraction);
  auto from = get_party(r);
  auto points = get_points(r);
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return Extraction{*from, std::move(points)};
}


namespace {
template <typename T>
void put_pair(wire::Writer& w, PartyIndex a, PartyIndex b, const T& x) {
  w.u8(a.value()).u8(b.value()).bytes(x.s.to_bytes()).bytes(x.s_prime.to_bytes());
}
}  // namespace

std::vector<uint8_t> encode(const Justification& j) {
  wire::Writer w;
  w.header(wire::ObjectType::dkg_justification);
  put_pair(w, j.from, j.to, j);
  return w.take();
}

std::vector<uint8_t> encode(const Reveal& r) {
  wire::Writer w;
  w.header(wire::ObjectType::dkg_reveal);
  put_pair(w, r.from, r.dealer, r);
  return w.take();
}

Result<Justification> decode_justification(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "dkg::decode_justification");
  r.header(wire::ObjectType::dkg_justification);
  auto s = get_share_body(r);
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return Justification{s->from, s->to, s->s, s->s_prime};
}

Result<Reveal> decode_reveal(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "dkg::decode_reveal");
  r.header(wire::ObjectType::dkg_reveal);
  auto s = get_share_body(r);
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return Reveal{s->from, s->to, s->s, s->s_prime};
}

namespace {
SecureBytes secure(std::vector<uint8_t>&& plain) { return SecureBytes(plain.begin(), plain.end()); }
}  // namespace

SecureBytes encode(const Message& m) {
  return std::visit([](const auto& x) -> SecureBytes {
    if constexpr (std::is_same_v<std::decay_t<decltype(x)>, Share>) return encode(x);
    else return secure(encode(x));
  }, m);
}

uint8_t type_byte(const Message& m) {
  constexpr wire::ObjectType types[] = {wire::ObjectType::dkg_deal, wire::ObjectType::dkg_share, wire::ObjectType::dkg_complaint,
                                        wire::ObjectType::dkg_justification, wire::ObjectType::dkg_extraction, wire::ObjectType::dkg_reveal};
  static_assert(std::variant_size_v<Message> == std::size(types));
  return static_cast<uint8_t>(types[m.index()]);
}

Result<Message> decode(uint8_t type, std::span<const uint8_t> bytes) {
  auto lift = [](auto r) -> Result<Message> {
    if (!r) return escrow::unexpected(r.error());
    return Message(std::move(*r));
  };
  switch (static_cast<wire::ObjectType>(type)) {
    case wire::ObjectType::dkg_deal: return lift(decode_deal(bytes));
    case wire::ObjectType::dkg_share: return lift(decode_share(bytes));
    case wire::ObjectType::dkg_complaint: return lift(decode_complaint(bytes));
    case wire::ObjectType::dkg_justification: return lift(decode_justification(bytes));
    case wire::ObjectType::dkg_extraction: return lift(decode_extraction(bytes));
    case wire::ObjectType::dkg_reveal: return lift(decode_reveal(bytes));
    default: return fail(ErrorCategory::malformed, "dkg::decode", fmt::format("type byte {:#04x} is no DKG message", type));
  }
}

}  // namespace escrow::dkg
