#include "support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <numeric>

#include <sodium.h>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/wire.hpp"

namespace doormat::attacks {
using escrow::Result;
using escrow::SecureBytes;

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::broken: return "broken";
    case Verdict::held: return "held";
    case Verdict::detected: return "detected";
    case Verdict::not_applicable: return "n/a";
  }
  return "?";
}

escrow::DeterministicRng rng_for(const Options& o, std::string_view attack, std::string_view scheme) {
  return escrow::DeterministicRng(fmt::format("{}/{}/{}", o.seed, attack, scheme));
}

schemes::Config config_for(const Options& o) {
  schemes::Config c;
  c.crumple_bits = o.crumple();
  c.trustees_log = o.variant.trustees_log;
  return c;
}

std::unique_ptr<schemes::Scheme> make_scheme(std::string_view name, const Options& o, escrow::Rng& rng) {
  return make_scheme(name, config_for(o), rng);
}

std::unique_ptr<schemes::Scheme> make_scheme(std::string_view name, const schemes::Config& config, escrow::Rng& rng) {
  auto s = schemes::make(name, config, rng);
  if (!s) throw std::runtime_error(s.error().message());  // a set-up failure is a bug, not an outcome
  return std::move(*s);
}

StoredSession make_session(schemes::Scheme& scheme, const std::string& sender, const std::string& recipient,
                           uint64_t day, std::string text, escrow::Rng& rng) {
  auto label = escrow::SessionLabel::make(sender, recipient, kDay0 + day * kDay + 3600, rng);
  if (!label) throw std::runtime_error(label.error().message());
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  auto sealed = schemes::seal(scheme, *label, bytes, rng);
  if (!sealed) throw std::runtime_error(sealed.error().message());
  return {std::move(sealed->session), std::move(text)};
}

schemes::Scope scope(std::vector<std::string> targets, uint64_t first_day, uint64_t last_day) {
  return {std::move(targets), kDay0 + first_day * kDay, kDay0 + (last_day + 1) * kDay - 1};
}

Observation observe(std::string what, const StoredSession& s, const Result<SecureBytes>& got) {
  Observation o{std::move(what), s.plaintext, std::nullopt};
  if (got) o.obtained = std::string(got->begin(), got->end());
  return o;
}

Result<SecureBytes> open_with(const schemes::Session& s, const Result<schemes::SessionKey>& key) {
  if (!key) return escrow::unexpected(key.error());
  return schemes::open(s, *key);
}

std::vector<schemes::TrusteeSecret> steal_quorum(const schemes::Scheme& scheme, int short_of_k) {
  std::vector<schemes::TrusteeSecret> stolen;
  const std::size_t fewer = static_cast<std::size_t>(std::max(0, short_of_k));
  for (uint32_t i = 1; i + fewer <= scheme.threshold(); ++i) stolen.push_back(scheme.steal(*escrow::PartyIndex::make(i)));
  return stolen;
}

Result<SecureBytes> open_recovered(const schemes::Session& s, const Result<schemes::Recovered>& recovered) {
  if (!recovered) return escrow::unexpected(recovered.error());
  return schemes::open(s, recovered->key);
}

Result<SecureBytes> open_with(const schemes::Session& s, const Result<schemes::Decryptor>& decryptor) {
  if (!decryptor) return escrow::unexpected(decryptor.error());
  return open_with(s, (*decryptor)(s));
}

std::string fingerprint(std::string_view bytes) {
  const auto h = escrow::Hasher(escrow::domain::kAttackEvidence, 16)
                     .add(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()))
                     .finish<16>();
  std::string out;
  for (auto b : h) out += fmt::format("{:02x}", b);
  return out;
}

std::string describe(const Observation& o) {
  if (!o.obtained) return o.what + ": nothing";
  std::string shown = o.obtained->substr(0, 48);
  for (auto& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '.';
  return fmt::format("{}: \"{}{}\" (blake2b-128 {}){}", o.what, shown, o.obtained->size() > 48 ? "…" : "",
                     fingerprint(*o.obtained).substr(0, 16), o.recovered() ? "" : " — not the original");
}

std::string_view to_string(Role r) {
  switch (r) {
    case Role::sought: return "sought";
    case Role::denied: return "denied";
    case Role::control: return "control";
    case Role::comparison: return "comparison";
  }
  return "?";
}

Verdict best_for_attacker(std::initializer_list<Verdict> strategies) {
  const auto rank = [](Verdict v) {
    switch (v) {
      case Verdict::broken: return 3;
      case Verdict::detected: return 2;
      case Verdict::held: return 1;
      case Verdict::not_applicable: return 0;
    }
    return 0;
  };
  Verdict best = Verdict::not_applicable;
  for (auto v : strategies)
    if (rank(v) > rank(best)) best = v;
  return best;
}

Verdict judge(bool obtained, bool flagged) {
  if (!obtained) return Verdict::held;
  return flagged ? Verdict::detected : Verdict::broken;
}

Court Court::make(uint64_t now) {
  Court c;
  auto root = escrow::pki::create_root("Doormat attack court root", 365);
  if (!root) throw std::runtime_error(root.error().message());  // a set-up failure is a bug, not an outcome
  c.root = std::move(*root);
  auto judge = escrow::pki::appoint_judge(c.root, "Judge Ada", 365);
  if (!judge) throw std::runtime_error(judge.error().message());
  c.judge = std::move(*judge);
  auto crl = escrow::pki::issue_crl(c.root, {}, 24);
  if (!crl) throw std::runtime_error(crl.error().message());
  c.crl = std::move(*crl);
  c.now = now;
  return c;
}

escrow::warrant::Policy Court::policy(unsigned judges_required) const {
  return {root.certificate_pem, crl, judges_required};
}

escrow::Secret<64> agency_key(escrow::warrant::Warrant& w, escrow::Rng& rng) {
  escrow::Secret<32> seed;
  rng.fill(seed.expose());
  escrow::Secret<64> sk;
  crypto_sign_seed_keypair(w.agency_sign_key.data(), sk.expose().data(), seed.expose().data());
  rng.fill(w.agency_box_key);
  return sk;
}

schemes::Warrant Court::issue(std::vector<std::string> targets, uint64_t first_day, uint64_t last_day, escrow::Rng& rng,
                              bool registered, uint32_t max_sessions) {
  schemes::Warrant out;
  auto& w = out.signed_warrant.warrant;
  rng.fill(w.id);
  w.case_reference = "2026-CR-0042";
  w.court = "District Court";
  w.targets = std::move(targets);
  const auto sc = scope(w.targets, first_day, last_day);
  w.window_start = sc.window_start;
  w.window_end = sc.window_end;
  w.max_sessions = max_sessions;
  w.not_after = now + 30 * kDay;
  out.agency = agency_key(w, rng);
  if (auto s = escrow::warrant::add_signature(out.signed_warrant, judge); !s) throw std::runtime_error(s.error().message());
  out.policy = policy();
  out.now = now;
  if (registered) issued.insert(out.signed_warrant.hash());
  return out;
}

std::string AuditReport::summary() const {
  if (!logs) return "no trustee keeps a log: nothing to audit";
  std::string s = fmt::format("{} log(s), {} entries read, {} flagged", logs, entries, flagged);
  if (unregistered_decisions) s += fmt::format(", {} issued decision(s) under warrants missing from the register", unregistered_decisions);
  for (const auto& f : findings) s += "; " + f;
  return s;
}

nlohmann::json detection_not_observable(std::string_view why) {
  return {{"observable", false}, {"detected", "not observable in this scenario"}, {"why", std::string(why)}};
}

nlohmann::json detection_by_audit(const AuditReport& audit, bool named, std::string_view what) {
  if (audit.logs == 0)
    return {{"observable", false}, {"detected", "not observable in this scenario"},
            {"why", "no trustee of this design keeps a log: the auditor that ran had nothing to read"}};
  return {{"observable", true}, {"detected", named}, {"by", std::string(what)}, {"logs_audited", audit.logs},
          {"logs_flagged", audit.flagged}, {"summary", audit.summary()}};
}

escrow::audit::Published publish(const schemes::TrusteeLog& log, std::optional<uint64_t> from) {
  escrow::audit::Published p{log.head, log.entries, {}};
  if (from && *from > 0 && *from < log.head.size) {
    std::vector<escrow::translog::Hash> leaves;
    for (const auto& e : log.entries) leaves.push_back(escrow::translog::leaf_hash(e));
    leaves.resize(std::min<std::size_t>(leaves.size(), log.head.size));
    if (auto proof = escrow::translog::consistency_proof(leaves, *from)) p.consistency = std::move(*proof);
  }
  return p;
}

AuditReport audit_served(const std::map<uint32_t, std::pair<escrow::audit::Published, std::array<uint8_t, 32>>>& served,
                         const std::set<escrow::translog::Hash>* register_of_warrants,
                         const std::map<uint32_t, escrow::audit::Baseline>& previous) {
  AuditReport r;
  std::optional<std::set<escrow::translog::Hash>> reg;
  if (register_of_warrants) reg = *register_of_warrants;
  for (const auto& [i, what] : served) {
    const auto& [published, key] = what;
    auto it = previous.find(i);
    const auto f = escrow::audit::check(published, key, it == previous.end() ? std::nullopt : std::optional(it->second), reg);
    ++r.logs;
    r.entries += published.entries.size();
    if (f.flagged()) {
      ++r.flagged;
      r.findings.push_back(fmt::format("trustee {}: {}", i, f.error));
    }
    for (const auto& w : f.unregistered) {
      r.unregistered_decisions += f.per_warrant.at(w).opened.size();
      r.unregistered_warrants.insert(w);
    }
    if (f.ok()) r.heads[i] = {published.head.size, published.head.root};
  }
  return r;
}

AuditReport audit_logs(const schemes::Scheme& scheme, const std::set<escrow::translog::Hash>* register_of_warrants,
                       const std::map<uint32_t, escrow::audit::Baseline>& previous) {
  std::map<uint32_t, std::pair<escrow::audit::Published, std::array<uint8_t, 32>>> served;
  for (uint32_t i = 1; i <= scheme.trustees(); ++i) {
    auto log = scheme.log(*escrow::PartyIndex::make(i));
    if (!log) continue;
    auto it = previous.find(i);
    served.emplace(i, std::pair{publish(*log, it == previous.end() ? std::nullopt : std::optional(it->second.size)), log->key});
  }
  return audit_served(served, register_of_warrants, previous);
}

Cell not_applicable(std::string_view scheme, std::string why) {
  return Cell{std::string(scheme), Verdict::not_applicable, std::move(why), nlohmann::json::object(), {}};
}

std::string cells_where(const Report& r, const std::function<bool(const Cell&)>& pred,
                        const std::function<std::string(const Cell&)>& show, std::string_view none) {
  std::string out;
  for (const auto& c : r.cells) {
    if (!pred(c)) continue;
    if (!out.empty()) out += ", ";
    out += show ? show(c) : c.scheme;
  }
  return out.empty() ? std::string(none) : out;
}

std::string designs_with(const Report& r, Verdict v, std::string_view none) {
  return cells_where(r, [v](const Cell& c) { return c.verdict == v; }, {}, none);
}

std::string clauses(std::initializer_list<std::pair<std::string_view, std::string>> parts, std::string_view none) {
  std::string out;
  for (const auto& [label, list] : parts) {
    if (list.empty()) continue;
    if (!out.empty()) out += "; ";
    out += fmt::format("{}{}", label, list);
  }
  return out.empty() ? std::string(none) : out;
}

double time_it(const std::function<void()>& f) {
  auto now = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  const double t0 = now();
  f();
  return now() - t0;
}

Summary summarize(std::vector<double>& xs) {
  Summary s;
  if (xs.empty()) return s;
  std::sort(xs.begin(), xs.end());
  s.mean = std::accumulate(xs.begin(), xs.end(), 0.0) / xs.size();
  s.n = xs.size();
  const std::size_t mid = xs.size() / 2;
  s.median = xs.size() % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  if (xs.size() >= kMinSamplesForP99)
    s.p99 = xs[std::min(xs.size() - 1, static_cast<std::size_t>(std::ceil(0.99 * xs.size())) - 1)];
  s.min = xs.front();
  s.max = xs.back();
  return s;
}

void progress(const Options& o, std::string_view attack, std::string_view what) {
  if (o.progress) fmt::print(stderr, "[{}] {}\n", attack, what);
}

}  // namespace doormat::attacks
