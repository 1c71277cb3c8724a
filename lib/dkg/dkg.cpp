#include "escrow/dkg.hpp"

#include "escrow/vss.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "escrow/shamir.hpp"
#include "escrow/wire.hpp"

namespace escrow::dkg {
using group::Point;
using group::Scalar;

namespace {
// A party's share of a polynomial: f(at) (shamir's Horner, constant time).
Scalar evaluate(const std::vector<Scalar>& coefficients, PartyIndex at) { return shamir::evaluate(coefficients, shamir::to_scalar(at)); }
std::string name(PartyIndex p) { return std::to_string(p.value()); }
}  // namespace

Party::Party(Protocol protocol, PartyIndex me, std::size_t k, std::size_t n, Rng& rng,
             std::optional<std::pair<tdh2::PublicKey, tdh2::KeyShare>> previous)
    : protocol_(protocol), me_(me), k_(k), n_(n), deal_{me, {}}, previous_(std::move(previous)) {
  // f(0) is this party's contribution to x (random), or zero for a refresh.
  f_.push_back(protocol == Protocol::refresh ? Scalar() : Scalar::random(rng));
  for (std::size_t m = 1; m < k; ++m) f_.push_back(Scalar::random(rng));
  if (protocol == Protocol::gjkr)
    for (std::size_t m = 0; m < k; ++m) f_prime_.push_back(Scalar::random(rng));
  for (std::size_t m = protocol == Protocol::refresh ? 1 : 0; m < k; ++m) {
    Point c = Point::base_mul(f_[m]);
    if (protocol == Protocol::gjkr) c = c + Point::generator_bar() * f_prime_[m];
    deal_.commitments.push_back(c);
  }
  deals_.emplace(me, deal_);
  received_.emplace(me, Share{me, me, evaluate(f_, me), f_prime_.empty() ? Scalar() : evaluate(f_prime_, me)});
}

Point Party::image(const std::vector<Point>& commitments, PartyIndex at) const {
  // sum_m at^m C_m (vss's Feldman image), with m starting at 1 for a refresh (a_0 = 0 has no
  // commitment): there the image is shifted by one power of `at`.
  const Point acc = vss::share_image(commitments, at);
  return protocol_ == Protocol::refresh ? acc * shamir::to_scalar(at) : acc;
}

bool Party::share_valid(const std::vector<Point>& commitments, const Share& s, bool pedersen) const {
  Point lhs = Point::base_mul(s.s);
  if (pedersen) lhs = lhs + Point::generator_bar() * s.s_prime;
  return lhs == image(commitments, s.to);
}

std::vector<Share> Party::shares() const {
  std::vector<Share> out;
  for (uint32_t j = 1; j <= n_; ++j) {
    const auto to = *PartyIndex::make(j);
    if (to == me_) continue;
    out.push_back({me_, to, evaluate(f_, to), f_prime_.empty() ? Scalar() : evaluate(f_prime_, to)});
  }
  return out;
}

Result<void> Party::check_sender(PartyIndex from, Phase expected, std::string_view fn) const {
  if (from.value() > n_) return fail(ErrorCategory::malformed, fn, fmt::format("party {} is not one of the {}", from.value(), n_), {from});
  if (phase_ != expected) return fail(ErrorCategory::policy_denied, fn, fmt::format("message from party {} arrived outside its round", from.value()), {from});
  return {};
}

void Party::disqualify(PartyIndex who, std::string why) {
  if (!disqualified_.contains(who)) disqualified_.emplace(who, std::move(why));
}

Result<void> Party::receive(const Deal& d) {
  constexpr std::string_view fn = "dkg::receive(Deal)";
  if (auto ok = check_sender(d.from, Phase::deal, fn); !ok) return ok;
  if (d.from == me_) return {};
  if (auto it = deals_.find(d.from); it != deals_.end()) {
    if (it->second.commitments == d.commitments) return {};  // the same broadcast, delivered twice
    disqualify(d.from, "equivocation: two different commitment vectors");
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {} broadcast two different deals", d.from.value()), {d.from});
  }
  if (d.commitments.size() != commitment_count()) {
    disqualify(d.from, fmt::format("commitment vector has {} entries, not {}", d.commitments.size(), commitment_count()));
    return fail(ErrorCategory::malformed, fn, disqualified_.at(d.from), {d.from});
  }
  if (std::any_of(d.commitments.begin(), d.commitments.end(), [](const Point& c) { return c.is_identity(); })) {
    disqualify(d.from, "identity point in its commitments");
    return fail(ErrorCategory::malformed, fn, disqualified_.at(d.from), {d.from});
  }
  deals_.emplace(d.from, d);
  return {};
}

Result<void> Party::receive(const Share& s) {
  constexpr std::string_view fn = "dkg::receive(Share)";
  if (auto ok = check_sender(s.from, Phase::deal, fn); !ok) return ok;
  if (s.to != me_) return fail(ErrorCategory::malformed, fn, fmt::format("share for party {} delivered to {}", s.to.value(), me_.value()));
  if (s.from == me_) return {};
  if (auto it = received_.find(s.from); it != received_.end()) {
    if (it->second.s == s.s && it->second.s_prime == s.s_prime) return {};
    // Two different private shares: keep the first; the complaint round decides.
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {} sent two different shares", s.from.value()), {s.from});
  }
  received_.emplace(s.from, s);
  return {};
}

std::vector<Complaint> Party::complaints() {
  std::vector<Complaint> out;
  if (phase_ != Phase::deal) return out;
  phase_ = Phase::complain;
  for (uint32_t j = 1; j <= n_; ++j) {
    const auto dealer = *PartyIndex::make(j);
    if (dealer == me_ || !qualified(dealer)) continue;
    if (!deals_.contains(dealer)) {
      disqualify(dealer, "silent: no commitments in round 1");
      continue;
    }
    auto it = received_.find(dealer);
    if (it == received_.end() || !share_valid(deals_.at(dealer).commitments, it->second, expects_pedersen())) {
      out.push_back({me_, dealer, std::nullopt});
      complaints_[dealer].push_back(me_);
    }
  }
  return out;
}

Result<void> Party::receive(const Complaint& c) {
  constexpr std::string_view fn = "dkg::receive(Complaint)";
  if (auto ok = check_sender(c.from, Phase::complain, fn); !ok) return ok;
  if (c.against.value() > n_) return fail(ErrorCategory::malformed, fn, "complaint against an unknown party", {c.from});
  auto& list = complaints_[c.against];
  if (std::find(list.begin(), list.end(), c.from) == list.end()) list.push_back(c.from);
  return {};
}

std::vector<Justification> Party::justifications() {
  std::vector<Justification> out;
  if (phase_ != Phase::complain) return out;
  phase_ = Phase::justify;
  for (PartyIndex c : complaints_[me_])
    out.push_back({me_, c, evaluate(f_, c), f_prime_.empty() ? Scalar() : evaluate(f_prime_, c)});
  return out;
}

Result<void> Party::receive_justification(const Justification& j) {
  constexpr std::string_view fn = "dkg::receive_justification";
  if (auto ok = check_sender(j.from, Phase::justify, fn); !ok) return ok;
  justified_[j.from].push_back(j);
  return {};
}

std::optional<Extraction> Party::extraction() {
  if (phase_ == Phase::justify) {
    // Closing round 3: a dealer is disqualified for more than k-1 complaints, an unanswered
    // complaint, or an answer that fails its own commitments (GJKR 1999, step 1(c)-(d)).
    for (auto& [dealer, complainers] : complaints_) {
      if (!qualified(dealer) || complainers.empty() || !deals_.contains(dealer)) continue;
      if (complainers.size() > k_ - 1) {
        disqualify(dealer, fmt::format("{} complaints, more than k-1 = {}", complainers.size(), k_ - 1));
        continue;
      }
      for (PartyIndex c : complainers) {
        const auto& answers = justified_[dealer];
        auto it = std::find_if(answers.begin(), answers.end(), [&](const Justification& j) { return j.to == c; });
        if (it == answers.end()) {
          disqualify(dealer, "did not answer the complaint of party " + name(c));
          break;
        }
        if (!share_valid(deals_.at(dealer).commitments, *it, expects_pedersen())) {
          disqualify(dealer, "its answer to party " + name(c) + " fails its own commitments");
          break;
        }
        if (c == me_) received_.insert_or_assign(dealer, *it);  // the public answer replaces the bad private share
      }
    }
    phase_ = Phase::extract;
  }
  if (protocol_ != Protocol::gjkr || !qualified(me_)) return std::nullopt;
  Extraction e{me_, {}};
  for (const auto& a : f_) e.commitments.push_back(Point::base_mul(a));
  extractions_.emplace(me_, e);
  return e;
}

Result<void> Party::receive(const Extraction& e) {
  constexpr std::string_view fn = "dkg::receive(Extraction)";
  if (auto ok = check_sender(e.from, Phase::extract, fn); !ok) return ok;
  if (!qualified(e.from) || e.from == me_) return {};
  if (auto it = extractions_.find(e.from); it != extractions_.end() && !(it->second.commitments == e.commitments))
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {} broadcast two different extractions", e.from.value()), {e.from});
  if (e.commitments.size() != k_ ||
      std::any_of(e.commitments.begin(), e.commitments.end(), [](const Point& c) { return c.is_identity(); }))
    return fail(ErrorCategory::malformed, fn, fmt::format("party {}: extraction commitments malformed", e.from.value()), {e.from});
  extractions_.emplace(e.from, e);
  return {};
}

std::vector<Complaint> Party::extraction_complaints() {
  std::vector<Complaint> out;
  if (phase_ != Phase::extract) return out;
  phase_ = Phase::extract_complain;
  for (const auto& [dealer, share] : received_) {
    if (dealer == me_ || !qualified(dealer)) continue;
    auto it = extractions_.find(dealer);
    const bool silent = it == extractions_.end();
    // Evidence: my share verifies under the dealer's Pedersen commitments but not its Feldman ones.
    if (silent || !share_valid(it->second.commitments, share, false)) {
      out.push_back({me_, dealer, share});
      if (std::find(accused_in_extraction_.begin(), accused_in_extraction_.end(), dealer) == accused_in_extraction_.end())
        accused_in_extraction_.push_back(dealer);
    }
  }
  return out;
}

Result<void> Party::receive_extraction_complaint(const Complaint& c) {
  constexpr std::string_view fn = "dkg::receive_extraction_complaint";
  if (auto ok = check_sender(c.from, Phase::extract_complain, fn); !ok) return ok;
  if (!c.evidence || c.evidence->from != c.against || c.evidence->to != c.from || !deals_.contains(c.against))
    return fail(ErrorCategory::malformed, fn, "an extraction complaint must carry the complainer's share", {c.from});
  const bool pedersen_ok = share_valid(deals_.at(c.against).commitments, *c.evidence, true);
  auto it = extractions_.find(c.against);
  const bool feldman_ok = it != extractions_.end() && share_valid(it->second.commitments, *c.evidence, false);
  if (!pedersen_ok || feldman_ok)
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {}'s extraction complaint is unfounded", c.from.value()), {c.from});
  if (std::find(accused_in_extraction_.begin(), accused_in_extraction_.end(), c.against) == accused_in_extraction_.end())
    accused_in_extraction_.push_back(c.against);
  return {};
}

std::vector<Reveal> Party::reveals() {
  std::vector<Reveal> out;
  if (phase_ != Phase::extract_complain) return out;
  phase_ = Phase::reveal;
  for (PartyIndex dealer : accused_in_extraction_) {
    auto it = received_.find(dealer);
    if (it == received_.end()) continue;
    out.push_back(it->second);
    revealed_[dealer].emplace(me_, it->second);
  }
  return out;
}

Result<void> Party::receive_reveal(const Reveal& r) {
  constexpr std::string_view fn = "dkg::receive_reveal";
  if (auto ok = check_sender(r.to, Phase::reveal, fn); !ok) return ok;
  if (!deals_.contains(r.from) || !share_valid(deals_.at(r.from).commitments, r, true))
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {} revealed a share that fails the commitments", r.to.value()), {r.to});
  revealed_[r.from].emplace(r.to, r);
  return {};
}

Result<Outcome> Party::finish() {
  constexpr std::string_view fn = "dkg::finish";
  if (phase_ == Phase::justify) (void)extraction();  // closes round 3 for Joint-Feldman and refresh
  if (protocol_ == Protocol::gjkr && phase_ != Phase::reveal)
    return fail(ErrorCategory::policy_denied, fn, "GJKR finishes after the reveal round");
  phase_ = Phase::done;
  if (!qualified(me_)) return fail(ErrorCategory::policy_denied, fn, "this party was disqualified: " + disqualified_.at(me_), {me_});

  std::vector<PartyIndex> qual;
  for (uint32_t j = 1; j <= n_; ++j)
    if (auto p = *PartyIndex::make(j); qualified(p) && deals_.contains(p)) qual.push_back(p);
  if (qual.size() < k_) return fail(ErrorCategory::not_enough_shares, fn, fmt::format("{} qualified parties, k = {}", qual.size(), k_));

  // Each qualified dealer's public polynomial image at 0 and at every party index.
  std::vector<PartyIndex> all;
  for (uint32_t j = 1; j <= n_; ++j) all.push_back(*PartyIndex::make(j));
  Point y;
  std::vector<Point> keys(n_);
  Scalar x;
  for (PartyIndex dealer : qual) {
    x = x + received_.at(dealer).s;
    const bool accused = std::find(accused_in_extraction_.begin(), accused_in_extraction_.end(), dealer) != accused_in_extraction_.end();
    if (protocol_ == Protocol::gjkr && accused) {
      // Rebuild the cheater's polynomial in the open from k revealed, Pedersen-valid shares.
      const auto& shown = revealed_[dealer];
      if (shown.size() < k_)
        return fail(ErrorCategory::not_enough_shares, fn, fmt::format("only {} shares of party {} revealed", shown.size(), dealer.value()));
      std::vector<PartyIndex> idx;
      std::vector<Scalar> values;
      for (const auto& [holder, s] : shown) {
        if (idx.size() == k_) break;
        idx.push_back(holder);
        values.push_back(s.s);
      }
      auto at = [&](const Scalar& point) {
        const auto lambda = shamir::lagrange_coefficients(idx, point).value();
        Scalar v;
        for (std::size_t a = 0; a < idx.size(); ++a) v = v + lambda[a] * values[a];
        return Point::base_mul(v);
      };
      y = y + at(Scalar());
      for (PartyIndex p : all) keys[p.value() - 1] = keys[p.value() - 1] + at(shamir::to_scalar(p));
      continue;
    }
    const auto& commitments = protocol_ == Protocol::gjkr ? extractions_.at(dealer).commitments : deals_.at(dealer).commitments;
    if (protocol_ != Protocol::refresh) y = y + commitments[0];
    for (PartyIndex p : all) keys[p.value() - 1] = keys[p.value() - 1] + image(commitments, p);
  }

  uint32_t epoch = 0;
  if (protocol_ == Protocol::refresh) {
    if (!previous_) return fail(ErrorCategory::malformed, fn, "refresh needs the current key and share");
    const auto& [old_pk, old_share] = *previous_;
    y = old_pk.y;  // unchanged: the deltas are sharings of zero
    for (std::size_t i = 0; i < n_; ++i) keys[i] = keys[i] + old_pk.verification_keys[i];
    x = x + old_share.expose_secret();
    epoch = old_pk.epoch + 1;
  }
  auto pk = tdh2::PublicKey::make(static_cast<uint8_t>(k_), static_cast<uint8_t>(n_), epoch, y, keys);
  if (!pk) return escrow::unexpected(pk.error());
  if (!(Point::base_mul(x) == pk->verification_key(me_)))
    return fail(ErrorCategory::internal, fn, "own share does not match its verification key");
  return Outcome{qual, disqualified_, std::move(*pk), tdh2::KeyShare(me_, epoch, group::SecretScalar(x))};
}

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

Result<std::vector<Outcome>> run_honest(Protocol protocol, std::size_t k, std::size_t n, Rng& rng,
                                        const std::vector<std::pair<tdh2::PublicKey, tdh2::KeyShare>>& previous) {
  if (k < 1 || k > n || n > PartyIndex::kMaxParties) return fail(ErrorCategory::malformed, "dkg::run_honest", "need 1 <= k <= n <= 255");
  std::vector<Party> parties;
  for (uint32_t i = 1; i <= n; ++i)
    parties.emplace_back(protocol, *PartyIndex::make(i), k, n, rng,
                         previous.empty() ? std::nullopt : std::optional(std::pair(previous[i - 1].first, previous[i - 1].second.clone())));
  auto deliver = [&](auto&& each) {
    for (auto& p : parties) each(p);
  };
  for (auto& dealer : parties) {
    const auto d = dealer.deal();
    deliver([&](Party& p) { (void)p.receive(d); });
    for (const auto& s : dealer.shares()) (void)parties[s.to.value() - 1].receive(s);
  }
  std::vector<Complaint> complaints;
  for (auto& p : parties)
    for (auto& c : p.complaints()) complaints.push_back(c);
  for (const auto& c : complaints) deliver([&](Party& p) { (void)p.receive(c); });
  std::vector<Justification> answers;
  for (auto& p : parties)
    for (auto& j : p.justifications()) answers.push_back(j);
  for (const auto& j : answers) deliver([&](Party& p) { (void)p.receive_justification(j); });
  if (protocol == Protocol::gjkr) {
    std::vector<Extraction> ex;
    for (auto& p : parties)
      if (auto e = p.extraction()) ex.push_back(*e);
    for (const auto& e : ex) deliver([&](Party& p) { (void)p.receive(e); });
    std::vector<Complaint> ec;
    for (auto& p : parties)
      for (auto& c : p.extraction_complaints()) ec.push_back(c);
    for (const auto& c : ec) deliver([&](Party& p) { (void)p.receive_extraction_complaint(c); });
    std::vector<Reveal> rv;
    for (auto& p : parties)
      for (auto& r : p.reveals()) rv.push_back(r);
    for (const auto& r : rv) deliver([&](Party& p) { (void)p.receive_reveal(r); });
  }
  std::vector<Outcome> out;
  for (auto& p : parties) {
    auto r = p.finish();
    if (!r) return escrow::unexpected(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace escrow::dkg
