// dkg::Party: the rounds every protocol runs (deal, complain, justify), the round walk, and
// finish(). The protocol-specific parts are in joint_feldman.cpp, gjkr.cpp, refresh.cpp and
// reshare.cpp.
#include "state.hpp"

namespace escrow::dkg {
using group::Point;
using group::Scalar;

namespace {
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;  // clang before 17 has no aggregate deduction
}  // namespace

std::string_view name(Protocol protocol) {
  switch (protocol) {
    case Protocol::joint_feldman: return "joint_feldman";
    case Protocol::gjkr: return "gjkr";
    case Protocol::refresh: return "refresh";
    case Protocol::reshare: return "reshare";
  }
  return "?";
}

std::string_view name(Round round) {
  switch (round) {
    case Round::deal: return "deal";
    case Round::complain: return "complain";
    case Round::justify: return "justify";
    case Round::extract: return "extract";
    case Round::extract_complain: return "extract_complain";
    case Round::reveal: return "reveal";
  }
  return "?";
}

std::optional<Protocol> protocol_named(std::string_view n) {
  for (auto p : {Protocol::joint_feldman, Protocol::gjkr, Protocol::refresh, Protocol::reshare})
    if (name(p) == n) return p;
  return std::nullopt;
}

std::optional<Protocol> protocol_of_byte(uint8_t value) {
  for (auto p : {Protocol::joint_feldman, Protocol::gjkr, Protocol::refresh, Protocol::reshare})
    if (static_cast<uint8_t>(p) == value) return p;
  return std::nullopt;
}

std::optional<Round> round_of_byte(uint8_t value) {
  for (Round r : kGjkrRounds)
    if (static_cast<uint8_t>(r) == value) return r;
  return std::nullopt;
}

PartyIndex sender(const Message& m) {
  return std::visit([](const auto& x) { return x.from; }, m);
}

std::optional<PartyIndex> recipient(const Message& m) {
  if (const auto* s = std::get_if<Share>(&m)) return s->to;
  return std::nullopt;
}

bool belongs_to(const Message& m, Round round) {
  return std::visit(Overloaded{[&](const Deal&) { return round == Round::deal; },
                               [&](const Share&) { return round == Round::deal; },
                               [&](const Complaint& c) {
                                 return c.evidence ? round == Round::extract_complain : round == Round::complain;
                               },
                               [&](const Justification&) { return round == Round::justify; },
                               [&](const Extraction&) { return round == Round::extract; },
                               [&](const Reveal&) { return round == Round::reveal; }},
                    m);
}

// ---- construction ----

namespace {
// This party's deal and shares, the first round's outbox: none for a party outside a resharing's D.
void deal_out(detail::State& st) {
  const PartyIndex me = st.me;
  if (!st.deals_in_protocol(me)) return;
  if (st.protocol == Protocol::gjkr) {
    st.deal.commitments = vss::commit_pedersen(st.f, st.f_prime);
  } else {
    // A refresh commits to a_1..a_{k-1} only: its a_0 = 0.
    for (std::size_t m = st.protocol == Protocol::refresh ? 1 : 0; m < st.k; ++m) st.deal.commitments.push_back(Point::base_mul(st.f[m]));
  }
  st.deals.emplace(me, st.deal);
  st.received.emplace(me, Share{me, me, st.f_at(me), st.f_prime_at(me)});
  st.outbox.emplace_back(st.deal);
  for (uint32_t j = 1; j <= st.n; ++j)
    if (const auto to = *PartyIndex::make(j); to != me) st.outbox.emplace_back(Share{me, to, st.f_at(to), st.f_prime_at(to)});
}

std::unique_ptr<detail::State> make_state(Protocol protocol, PartyIndex me, std::size_t k, std::size_t n, std::vector<Scalar> f,
                                          std::vector<Scalar> f_prime, Party::Previous previous) {
  auto st = std::make_unique<detail::State>(protocol, me, k, n, std::move(f), std::move(f_prime), std::move(previous));
  deal_out(*st);
  return st;
}
}  // namespace

Party::Party(Protocol protocol, PartyIndex me, std::size_t k, std::size_t n, Rng& rng, Previous previous) {
  // f(0) is this party's contribution to x (random), or zero for a refresh; then f'(x) for GJKR.
  std::vector<Scalar> f, f_prime;
  f.push_back(protocol == Protocol::refresh ? Scalar() : Scalar::random(rng));
  for (std::size_t m = 1; m < k; ++m) f.push_back(Scalar::random(rng));
  if (protocol == Protocol::gjkr)
    for (std::size_t m = 0; m < k; ++m) f_prime.push_back(Scalar::random(rng));
  state_ = make_state(protocol, me, k, n, std::move(f), std::move(f_prime), std::move(previous));
}

Party::Party(std::unique_ptr<detail::State> state) : state_(std::move(state)) {}

Result<Party> Party::with_polynomials(Protocol protocol, PartyIndex me, std::size_t k, std::size_t n, std::vector<Scalar> f,
                                      std::vector<Scalar> f_prime, Previous previous) {
  constexpr std::string_view fn = "dkg::Party::with_polynomials";
  if (k < 1 || k > n || n > PartyIndex::kMaxParties || me.value() > n) return fail(ErrorCategory::malformed, fn, "need 1 <= k <= n <= 255 and me <= n");
  if (f.size() != k || f_prime.size() != (protocol == Protocol::gjkr ? k : 0))
    return fail(ErrorCategory::malformed, fn, "need k coefficients, and k more for GJKR's f'");
  if (protocol == Protocol::refresh && !(f[0] == Scalar())) return fail(ErrorCategory::malformed, fn, "a refresh deals a sharing of zero");
  return Party(make_state(protocol, me, k, n, std::move(f), std::move(f_prime), std::move(previous)));
}

Result<Party> Party::resharing(PartyIndex me, std::size_t k, std::size_t n, const Resharing& plan,
                               std::pair<tdh2::PublicKey, tdh2::KeyShare> previous, Rng& rng) {
  std::vector<Scalar> higher;
  for (std::size_t m = 1; m < k; ++m) higher.push_back(Scalar::random(rng));
  if (std::find(plan.dealers.begin(), plan.dealers.end(), me) == plan.dealers.end()) higher.clear();
  return resharing_with_polynomial(me, k, n, plan, std::move(previous), std::move(higher));
}

Result<Party> Party::resharing_with_polynomial(PartyIndex me, std::size_t k, std::size_t n, const Resharing& plan,
                                               std::pair<tdh2::PublicKey, tdh2::KeyShare> previous, std::vector<Scalar> higher) {
  constexpr std::string_view fn = "dkg::Party::resharing";
  if (k < 1 || k > n || n > PartyIndex::kMaxParties || me.value() > n) return fail(ErrorCategory::malformed, fn, "need 1 <= k <= n <= 255 and me <= n");
  const bool dealer = std::find(plan.dealers.begin(), plan.dealers.end(), me) != plan.dealers.end();
  if (higher.size() != (dealer ? k - 1 : 0)) return fail(ErrorCategory::malformed, fn, "a dealer needs a_1..a_{k-1}; a party outside D none");
  auto st = std::make_unique<detail::State>(Protocol::reshare, me, k, n, std::move(higher), std::vector<Scalar>{},
                                            std::optional(std::move(previous)));
  if (auto ok = detail::prepare_resharing(*st, plan); !ok) return escrow::unexpected(ok.error());
  deal_out(*st);
  return Party(std::move(st));
}

Party::Party(Party&&) noexcept = default;
Party& Party::operator=(Party&&) noexcept = default;
Party::~Party() = default;

Round Party::round() const { return state_->round(); }
bool Party::closed() const { return state_->closed(); }
PartyIndex Party::index() const { return state_->me; }
const std::map<PartyIndex, std::string>& Party::disqualified() const { return state_->disqualified; }
std::vector<Message> Party::messages() const { return state_->closed() ? std::vector<Message>{} : state_->outbox; }

namespace {
template <typename T>
std::vector<T> of_kind(const std::vector<Message>& messages) {
  std::vector<T> out;
  for (const auto& m : messages)
    if (const auto* x = std::get_if<T>(&m)) out.push_back(*x);
  return out;
}
}  // namespace

const Deal& Party::deal() const { return state_->deal; }
std::vector<Share> Party::shares() const {
  std::vector<Share> out;
  if (!state_->deals_in_protocol(state_->me)) return out;
  for (uint32_t j = 1; j <= state_->n; ++j)
    if (const auto to = *PartyIndex::make(j); to != state_->me) out.push_back({state_->me, to, state_->f_at(to), state_->f_prime_at(to)});
  return out;
}
std::vector<Complaint> Party::complaints() const { return of_kind<Complaint>(messages()); }
std::vector<Justification> Party::justifications() const { return of_kind<Justification>(messages()); }
std::optional<Extraction> Party::extraction() const {
  auto e = of_kind<Extraction>(messages());
  return e.empty() ? std::nullopt : std::optional(e.front());
}
std::vector<Reveal> Party::reveals() const { return of_kind<Reveal>(messages()); }

Result<void> Party::receive(const Message& m) {
  auto& st = *state_;
  return std::visit(Overloaded{[&](const Deal& d) { return detail::receive_deal(st, d); },
                               [&](const Share& s) { return detail::receive_share(st, s); },
                               [&](const Complaint& c) {
                                 return st.round() == Round::extract_complain ? detail::receive_extraction_complaint(st, c)
                                                                              : detail::receive_complaint(st, c);
                               },
                               [&](const Justification& j) { return detail::receive_justification(st, j); },
                               [&](const Extraction& e) { return detail::receive_extraction(st, e); },
                               [&](const Reveal& r) { return detail::receive_reveal(st, r); }},
                    m);
}

void Party::close() {
  auto& st = *state_;
  if (st.closed()) return;
  const Round closing = st.round();
  st.outbox.clear();
  ++st.open;
  switch (closing) {
    case Round::deal: detail::close_deal(st); break;
    case Round::complain: detail::close_complain(st); break;
    case Round::justify:
      detail::close_justify(st);
      if (!st.closed()) detail::open_extract(st);
      break;
    case Round::extract: detail::close_extract(st); break;
    case Round::extract_complain: detail::close_extract_complain(st); break;
    case Round::reveal: break;
  }
}

// ---- the rounds every protocol runs ----

namespace detail {

Result<void> receive_deal(State& st, const Deal& d) {
  constexpr std::string_view fn = "dkg::receive(Deal)";
  if (auto ok = st.check_sender(d.from, st.round() == Round::deal, fn); !ok) return ok;
  if (!st.deals_in_protocol(d.from))
    return fail(ErrorCategory::malformed, fn, fmt::format("party {} is not a dealer of this resharing", d.from.value()), {d.from});
  if (d.from == st.me) return {};
  if (auto it = st.deals.find(d.from); it != st.deals.end()) {
    if (it->second.commitments == d.commitments) return {};  // the same broadcast, delivered twice
    st.disqualify(d.from, "equivocation: two different commitment vectors");
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {} broadcast two different deals", d.from.value()), {d.from});
  }
  if (d.commitments.size() != st.commitment_count()) {
    st.disqualify(d.from, fmt::format("commitment vector has {} entries, not {}", d.commitments.size(), st.commitment_count()));
    return fail(ErrorCategory::malformed, fn, st.disqualified.at(d.from), {d.from});
  }
  if (std::any_of(d.commitments.begin(), d.commitments.end(), [](const Point& c) { return c.is_identity(); })) {
    st.disqualify(d.from, "identity point in its commitments");
    return fail(ErrorCategory::malformed, fn, st.disqualified.at(d.from), {d.from});
  }
  if (st.protocol == Protocol::reshare) {
    if (auto ok = check_resharing_deal(st, d); !ok) {
      st.disqualify(d.from, "C_0 is not lambda^D times its verification key of the dealers' epoch");
      return ok;
    }
  }
  st.deals.emplace(d.from, d);
  return {};
}

Result<void> receive_share(State& st, const Share& s) {
  constexpr std::string_view fn = "dkg::receive(Share)";
  if (auto ok = st.check_sender(s.from, st.round() == Round::deal, fn); !ok) return ok;
  if (s.to != st.me) return fail(ErrorCategory::malformed, fn, fmt::format("share for party {} delivered to {}", s.to.value(), st.me.value()));
  if (!st.deals_in_protocol(s.from))
    return fail(ErrorCategory::malformed, fn, fmt::format("party {} is not a dealer of this resharing", s.from.value()), {s.from});
  if (s.from == st.me) return {};
  if (auto it = st.received.find(s.from); it != st.received.end()) {
    if (it->second.s == s.s && it->second.s_prime == s.s_prime) return {};
    // Two different private shares: keep the first; the complaint round decides.
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {} sent two different shares", s.from.value()), {s.from});
  }
  st.received.emplace(s.from, s);
  return {};
}

void close_deal(State& st) {
  // Silent dealers are disqualified; a wrong or missing share is complained about.
  for (uint32_t j = 1; j <= st.n; ++j) {
    const auto dealer = *PartyIndex::make(j);
    if (dealer == st.me || !st.qualified(dealer) || !st.deals_in_protocol(dealer)) continue;
    if (!st.deals.contains(dealer)) {
      st.disqualify(dealer, "silent: no commitments in round 1");
      continue;
    }
    auto it = st.received.find(dealer);
    if (it == st.received.end() || !st.deal_share_valid(dealer, st.me, it->second.s, it->second.s_prime)) {
      st.outbox.emplace_back(Complaint{st.me, dealer, std::nullopt});
      st.complaints[dealer].push_back(st.me);
    }
  }
}

Result<void> receive_complaint(State& st, const Complaint& c) {
  constexpr std::string_view fn = "dkg::receive(Complaint)";
  if (auto ok = st.check_sender(c.from, st.round() == Round::complain, fn); !ok) return ok;
  if (c.against.value() > st.n || !st.deals_in_protocol(c.against)) return fail(ErrorCategory::malformed, fn, "complaint against a party that does not deal", {c.from});
  if (c.evidence) return fail(ErrorCategory::malformed, fn, "a complaint of round 2 carries no evidence", {c.from});
  auto& list = st.complaints[c.against];
  if (std::find(list.begin(), list.end(), c.from) == list.end()) list.push_back(c.from);
  return {};
}

void close_complain(State& st) {
  // This party's answers to the complaints against it.
  for (PartyIndex c : st.complaints[st.me]) st.outbox.emplace_back(Justification{st.me, c, st.f_at(c), st.f_prime_at(c)});
}

Result<void> receive_justification(State& st, const Justification& j) {
  constexpr std::string_view fn = "dkg::receive(Justification)";
  if (auto ok = st.check_sender(j.from, st.round() == Round::justify, fn); !ok) return ok;
  if (j.to.value() > st.n) return fail(ErrorCategory::malformed, fn, "justification for an unknown party", {j.from});
  st.justified[j.from].push_back(j);
  return {};
}

void close_justify(State& st) {
  // A dealer is disqualified for more than k-1 complaints, an unanswered complaint, or an answer
  // that fails its own commitments (GJKR 1999, step 1(c)-(d)).
  for (auto& [dealer, complainers] : st.complaints) {
    if (!st.qualified(dealer) || complainers.empty() || !st.deals.contains(dealer)) continue;
    if (complainers.size() > st.k - 1) {
      st.disqualify(dealer, fmt::format("{} complaints, more than k-1 = {}", complainers.size(), st.k - 1));
      continue;
    }
    for (PartyIndex c : complainers) {
      const auto& answers = st.justified[dealer];
      auto it = std::find_if(answers.begin(), answers.end(), [&](const Justification& j) { return j.to == c; });
      if (it == answers.end()) {
        st.disqualify(dealer, "did not answer the complaint of party " + name_of(c));
        break;
      }
      if (!st.deal_share_valid(dealer, c, it->s, it->s_prime)) {
        st.disqualify(dealer, "its answer to party " + name_of(c) + " fails its own commitments");
        break;
      }
      // The public answer replaces the bad private share.
      if (c == st.me) st.received.insert_or_assign(dealer, Share{dealer, st.me, it->s, it->s_prime});
    }
  }
}

void add_feldman(const State& st, const std::vector<Point>& commitments, unsigned first, bool with_y, KeySum& sum) {
  if (with_y) sum.y = sum.y + commitments[0];
  for (uint32_t l = 1; l <= st.n; ++l) sum.keys[l - 1] = sum.keys[l - 1] + vss::share_image(commitments, *PartyIndex::make(l), first);
}

}  // namespace detail

Result<Outcome> Party::finish() {
  constexpr std::string_view fn = "dkg::finish";
  auto& st = *state_;
  if (!st.closed()) return fail(ErrorCategory::policy_denied, fn, fmt::format("round {} is still open", name(st.round())));
  if (st.finished) return fail(ErrorCategory::policy_denied, fn, "this party has finished");
  st.finished = true;
  if (!st.qualified(st.me)) return fail(ErrorCategory::policy_denied, fn, "this party was disqualified: " + st.disqualified.at(st.me), {st.me});

  std::vector<PartyIndex> qual;
  for (uint32_t j = 1; j <= st.n; ++j)
    if (auto p = *PartyIndex::make(j); st.qualified(p) && st.deals.contains(p)) qual.push_back(p);
  if (qual.size() < st.k) return fail(ErrorCategory::not_enough_shares, fn, fmt::format("{} qualified parties, k = {}", qual.size(), st.k));

  detail::KeySum sum;
  sum.keys.resize(st.n);
  Scalar x;
  uint32_t epoch = 0;
  if (st.protocol == Protocol::reshare) {
    auto e = detail::sum_resharing(st, qual, sum, x);
    if (!e) return escrow::unexpected(e.error());
    epoch = *e;
  }
  for (PartyIndex dealer : qual) {
    if (st.protocol == Protocol::reshare) break;  // summed above, each dealer weighted
    x = x + st.received.at(dealer).s;
    switch (st.protocol) {
      case Protocol::joint_feldman: detail::add_joint_feldman(st, dealer, sum); break;
      case Protocol::gjkr:
        if (auto ok = detail::add_gjkr(st, dealer, sum); !ok) return escrow::unexpected(ok.error());
        break;
      case Protocol::refresh: detail::add_refresh(st, dealer, sum); break;
      case Protocol::reshare: break;
    }
  }
  if (st.protocol == Protocol::refresh) {
    auto e = detail::apply_previous(st, sum, x);
    if (!e) return escrow::unexpected(e.error());
    epoch = *e;
  }
  auto pk = tdh2::PublicKey::make(static_cast<uint8_t>(st.k), static_cast<uint8_t>(st.n), epoch, sum.y, sum.keys);
  if (!pk) return escrow::unexpected(pk.error());
  if (!(Point::base_mul(x) == pk->verification_key(st.me))) return fail(ErrorCategory::internal, fn, "own share does not match its verification key");
  return Outcome{qual, st.disqualified, std::move(*pk), tdh2::KeyShare(st.me, epoch, group::SecretScalar(x))};
}

// ---- the in-memory driver, walking rounds(protocol) ----

Result<std::vector<Outcome>> run_honest(Protocol protocol, std::size_t k, std::size_t n, Rng& rng,
                                        const std::vector<std::pair<tdh2::PublicKey, tdh2::KeyShare>>& previous) {
  if (k < 1 || k > n || n > PartyIndex::kMaxParties) return fail(ErrorCategory::malformed, "dkg::run_honest", "need 1 <= k <= n <= 255");
  std::vector<Party> parties;
  for (uint32_t i = 1; i <= n; ++i)
    parties.emplace_back(protocol, *PartyIndex::make(i), k, n, rng, previous.empty() ? std::nullopt : std::optional(std::pair(previous[i - 1].first, previous[i - 1].second.clone())));
  for ([[maybe_unused]] Round round : rounds(protocol)) {
    std::vector<Message> sent;
    for (const auto& p : parties)
      for (auto& m : p.messages()) sent.push_back(std::move(m));
    for (const auto& m : sent) {
      if (auto to = recipient(m)) {
        (void)parties[to->value() - 1].receive(m);
      } else {
        for (auto& p : parties) (void)p.receive(m);
      }
    }
    for (auto& p : parties) p.close();
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
