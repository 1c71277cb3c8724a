// quorum-compromise: k trustees are compromised (hacked, coerced or colluding). Their shares
// decrypt every session ever escrowed and every future one, with no warrant, no trustee asked and
// no log entry anywhere. k-1 shares give nothing: they are consistent with every possible key.
#include "escrow/shamir.hpp"
#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("An attacker steals the key shares of k trustees (for clipper: both escrow agents' databases).");
  story.say("It then decrypts a provider's whole archive offline: no warrant, no request, no log entry.");
  story.say("With one share fewer it tries every way it can and gets nothing.");
  Chart rate{"Mass decryption with k stolen shares", "design", "sessions per second", false, true, true, {}, {}};
  Series rate_series{"sessions/s", {}};
  const std::vector<std::string> users{"alice", "bob", "carol", "dave", "erin", "frank"};
  int column = 0;
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
    const auto stolen = steal_quorum(*scheme);
    Cell cell{.scheme = std::string(name)};
    std::size_t opened = 0;
    auto decrypt = scheme->decryptor(stolen);
    const double seconds = time_it([&] {
      if (!decrypt) return;
      for (const auto& s : archive) {
        auto obs = observe("archive session", s, open_with(s.session, (*decrypt)(s.session)));
        if (obs.recovered()) ++opened;
        if (cell.observations.empty()) cell.observations.push_back(obs);
      }
    });
    // One share fewer: the decryptor refuses, so the attacker guesses the missing share.
    std::vector<schemes::TrusteeSecret> fewer(stolen.begin(), stolen.end() - 1);
    auto partial = scheme->decryptor(fewer);
    const int guesses = o.quick ? 16 : 256;
    int guessed_open = 0;
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
      if (auto d = scheme->decryptor(with_guess))
        if (open_with(archive[0].session, (*d)(archive[0].session))) ++guessed_open;
    }
    cell.observations.push_back(observe("archive session with k-1 shares and a guessed one", archive[0],
                                        fail(ErrorCategory::decryption_failed, "", "")));
    if (guessed_open) cell.observations.back().obtained = archive[0].plaintext;
    const double per_second = opened / std::max(seconds, 1e-9);
    cell.verdict = opened == count ? Verdict::broken : Verdict::held;
    cell.evidence = fmt::format("{} of {} archived sessions decrypted with {} stolen shares, {:.0f} sessions/s; "
                                "{} shares: {}, {} of {} guesses opened anything",
                                opened, count, scheme->threshold(), per_second, scheme->threshold() - 1,
                                partial ? "no refusal" : partial.error().detail, guessed_open, guesses);
    cell.metrics = {{"sessions", count}, {"decrypted", opened}, {"sessions_per_second", per_second},
                    {"trustees_contacted", 0}, {"log_entries_written", 0}, {"k_minus_1_guesses", guesses},
                    {"k_minus_1_opened", guessed_open}};
    rate_series.points.emplace_back(column++, per_second);
    r.cells.push_back(std::move(cell));
  }
  rate.series.push_back(rate_series);
  for (auto name : schemes::names()) rate.categories.emplace_back(name);
  r.charts.push_back(rate);
  // Why k-1 shares say nothing: for any candidate secret there is exactly one polynomial through
  // the k-1 stolen points and that candidate, so every key is equally consistent with the view.
  auto rng = rng_for(o, "quorum-compromise", "consistency");
  const auto shares = shamir::split(group::Scalar::random(rng), 3, 5, rng).value();
  int consistent = 0;
  const int candidates = o.quick ? 100 : 1000;
  for (int c = 0; c < candidates; ++c) {
    const auto candidate = group::Scalar::random(rng);
    // Through (0, candidate), (1, s1), (2, s2): evaluate at 3 by Lagrange and rebuild from (1, 2, 3).
    // Lagrange basis at x = 3 for the points x = 0, 1, 2
    const auto l0 = group::Scalar::from_u64(1);   // (3-1)(3-2)/((0-1)(0-2)) = 1
    const auto l1 = group::Scalar::from_u64(3).negate();  // (3-0)(3-2)/((1-0)(1-2)) = -3
    const auto l2 = group::Scalar::from_u64(3);   // (3-0)(3-1)/((2-0)(2-1)) = 3
    const auto s3 = candidate * l0 + shares[0].value * l1 + shares[1].value * l2;
    std::vector<shamir::Share> view{shares[0], shares[1], {*PartyIndex::make(3), s3}};
    if (auto back = shamir::reconstruct(view); back && *back == candidate) ++consistent;
  }
  r.numbers["k_minus_1_consistency"] = {{"candidates", candidates}, {"consistent", consistent}};
  story.say("");
  story.say("With 2 of 3 shares, each of {} random candidate keys completes to a valid sharing ({} of {}):", candidates,
            consistent, candidates);
  story.say("the view is consistent with every key, so no computation, however long, narrows it down.");
  return r;
}

}  // namespace

const Attack kQuorumCompromise{"quorum-compromise", "k stolen shares decrypt everything, past and future, off the record",
                               "Abelson et al., The Risks of Key Recovery, Key Escrow, and Trusted Third-Party Encryption, 1997; "
                               "Keys Under Doormats, 2015",
                               run};

}  // namespace doormat::attacks
