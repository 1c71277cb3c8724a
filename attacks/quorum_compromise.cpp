// quorum-compromise: k trustees are compromised (hacked, coerced or colluding). Their shares
// decrypt every session ever escrowed and every future one, with no warrant, no trustee asked and
// no log entry anywhere. k-1 shares give nothing: they are consistent with every possible key.
#include <numeric>

#include "registry.hpp"
#include "stats.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("An attacker steals the key shares of k trustees (for clipper: both escrow agents' databases).");
  story.say("It then tries the provider's whole archive offline: no warrant, and no request to any trustee.");
  story.say("With one share fewer it tries again: the decryptor of k - 1 shares, then those shares completed by guesses.");
  Chart rate{"Mass decryption with k stolen shares", "design", "sessions per second", false, true, true, {}, {}};
  Series rate_series{"sessions/s", {}};
  const std::vector<std::string> users{"alice", "bob", "carol", "dave", "erin", "frank"};
  int column = 0;
  std::size_t k1_opened_all = 0, k1_attempts_all = 0, opened_all = 0, archived_all = 0;
  bool k1_refused_all = true;
  for (auto name : schemes::names()) {
    progress(o, "quorum-compromise", name);
    auto rng = rng_for(o, "quorum-compromise", name);
    auto scheme = make_scheme(name, o, rng);
    const std::size_t count = name == "tdh2-crumple" ? (o.quick ? 8 : 32) : (o.quick ? 100 : 2000);
    std::vector<StoredSession> archive;
    for (std::size_t i = 0; i < count; ++i) {
      const auto& from = users[i % users.size()];
      const auto& to = users[(i + 1) % users.size()];
      archive.push_back(make_session(*scheme, from, to, i % 30, fmt::format("session {}: {} to {}", i, from, to), rng));
    }
    const auto stolen = steal_quorum(*scheme, o.variant.stolen_short_of_k);
    Cell cell{.scheme = std::string(name)};
    std::size_t opened = 0;
    auto decrypt = scheme->decryptor(stolen);
    // Each session timed on its own, so the rate has a within-run t interval (stats.hpp).
    std::vector<double> each;
    if (decrypt)
      for (const auto& s : archive) {
        std::optional<Observation> obs;
        each.push_back(time_it([&] { obs = observe("archive session", s, open_with(s.session, (*decrypt)(s.session))); }));
        if (obs->recovered()) ++opened;
        if (cell.observations.empty() || (obs->recovered() && !cell.observations[0].recovered())) cell.observations = {*obs};
      }
    const double seconds = std::accumulate(each.begin(), each.end(), 0.0);
    // Sessions opened per second: 1 / (mean time per session tried), scaled by the share that opened.
    const auto rate_ci = stats::item_rate(each, each.empty() ? 0.0 : static_cast<double>(opened) / static_cast<double>(each.size()));
    // One share fewer. First the decryptor from the k - 1 shares alone (it should refuse); then the
    // k - 1 shares completed by a guessed k-th, each completion tried against real archived sessions
    // and judged by their plaintexts. tdh2-crumple pays 2^t per try, so it gets fewer.
    std::vector<schemes::TrusteeSecret> fewer(stolen.begin(), stolen.empty() ? stolen.end() : stolen.end() - 1);
    auto partial = scheme->decryptor(fewer);
    const bool crumple = scheme->properties().work_bits > 0;
    const int guesses = crumple ? (o.quick ? 2 : 8) : (o.quick ? 16 : 256);
    const std::size_t tries = std::min<std::size_t>(archive.size(), crumple ? 1 : 8);
    int k1_attempts = 0, k1_opened = 0;
    std::optional<Observation> k1_seen;
    const auto attempt = [&](const escrow::Result<schemes::Decryptor>& d) {
      for (std::size_t i = 0; i < tries; ++i) {
        auto obs = observe("archive session with k-1 shares and a guessed one", archive[i], open_with(archive[i].session, d));
        ++k1_attempts;
        if (obs.recovered()) ++k1_opened;
        if (!k1_seen || (obs.recovered() && !k1_seen->recovered())) k1_seen = std::move(obs);
      }
    };
    if (partial) attempt(partial);  // a decryptor from k - 1 shares: tried like any other
    for (int g = 0; g < guesses; ++g) {
      auto guess = scheme->steal(*PartyIndex::make(static_cast<uint32_t>(scheme->threshold())));
      if (name == "clipper") {  // every unit key half in the missing agent's database, guessed
        for (std::size_t at = 0; at < guess.bytes.size(); at += 36) rng.fill(std::span(guess.bytes).subspan(at + 4, 32));
      } else {  // same index and epoch, a random canonical scalar
        rng.fill(std::span(guess.bytes).last(32));
        guess.bytes.back() &= 0x0f;
      }
      auto with_guess = fewer;
      with_guess.push_back(std::move(guess));
      attempt(scheme->decryptor(with_guess));
    }
    cell.observations.push_back(std::move(*k1_seen));
    const double per_second = opened / std::max(seconds, 1e-9);
    // Any archived session opened is plaintext the thief should not have: broken, as in every other
    // cell; whether all of them opened is a metric.
    cell.verdict = opened > 0 ? Verdict::broken : Verdict::held;
    cell.evidence = fmt::format("{} archived sessions decrypted with {} stolen shares, {:.0f} sessions/s {}; "
                                "{} shares: {}; completed by {} guesses, {} of {} tries on archived sessions opened",
                                stats::proportion_text(opened, count), stolen.size(), per_second, rate_ci.interval_text(),
                                fewer.size(),
                                partial ? "a decryptor (tried)" : partial.error().detail, guesses, k1_opened, k1_attempts);
    cell.metrics = {{"sessions", count}, {"decrypted", opened}, {"all_decrypted", opened == count}, {"sessions_per_second", per_second},
                    {"sessions_per_second_ci95", rate_ci.ci95_json()}, {"sessions_per_second_ci95_method", stats::kTimeMethod},
                    {"k_minus_1_guesses", guesses},
                    {"k_minus_1_attempts", k1_attempts}, {"k_minus_1_opened", k1_opened},
                    {"k_minus_1_decryptor_refused", !partial.has_value()}};
    // No check runs in this attack: its detection is "not observable", never a computed false.
    stats::put_proportion(cell.metrics, "decrypted_share", opened, count);
    cell.metrics["detection"] = {{"observable", false}, {"detected", "not observable in this scenario"}, {"why", "the stolen shares decrypt offline; no trustee is asked, so no log or auditor can see it"}};
    k1_opened_all += static_cast<std::size_t>(k1_opened), k1_attempts_all += static_cast<std::size_t>(k1_attempts);
    opened_all += opened, archived_all += count;
    k1_refused_all = k1_refused_all && !partial.has_value();
    rate_series.points.emplace_back(column++, per_second);
    const auto ci = rate_ci.ci95_json();
    rate_series.intervals.emplace_back(ci.is_null() ? per_second : ci[0].get<double>(),
                                       ci.is_null() || ci[1].is_null() ? per_second : ci[1].get<double>());
    r.cells.push_back(std::move(cell));
  }
  rate.series.push_back(rate_series);
  for (auto name : schemes::names()) rate.categories.emplace_back(name);
  r.charts.push_back(rate);
  story.say("");
  // Built from the cells' results: the sessions the stolen shares opened, the refusals and the guessed
  // completions' openings, as counted.
  story.say("With {} stolen shares, {} of {} archived sessions opened across the designs (broken under {}; held under {}).",
            o.variant.stolen_short_of_k > 0 ? fmt::format("k - {}", o.variant.stolen_short_of_k) : std::string("k"), opened_all,
            archived_all, designs_with(r, Verdict::broken), designs_with(r, Verdict::held));
  story.say("With k - 1 shares {}; of {} tries of guessed completions on real archived sessions, {} opened{}",
            k1_refused_all ? "every design's decryptor refuses" : "some design's decryptor does NOT refuse", k1_attempts_all, k1_opened_all,
            k1_opened_all == 0 ? " (counts per design above): Shamir's perfect secrecy, observed on plaintexts."
                               : ": k - 1 shares and a guess were enough somewhere (see the cells).");
  return r;
}

}  // namespace

const Attack kQuorumCompromise{"quorum-compromise", "k stolen shares decrypt everything, past and future, off the record",
                               "Abelson et al., The Risks of Key Recovery, Key Escrow, and Trusted Third-Party Encryption, 1997; "
                               "Keys Under Doormats, 2015",
                               run};

}  // namespace doormat::attacks
