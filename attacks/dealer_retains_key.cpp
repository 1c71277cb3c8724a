// dealer-retains-key: whoever deals the shares saw the whole key. A dealer ceremony leaves one
// party able to decrypt everything forever; a DKG leaves every party with its own share only.
#include "registry.hpp"
#include "stats.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

struct Outcome {
  std::size_t opened = 0;
  std::size_t held_secrets = 0;
  std::string why;
  std::optional<Observation> first;
};

Outcome try_view(schemes::Scheme& scheme, const std::vector<StoredSession>& archive, bool deleted = false) {
  Outcome out;
  auto view = scheme.keygen_view();
  if (deleted) view.clear();  // a test variant: the party that generated the key kept nothing
  out.held_secrets = view.size();
  auto d = scheme.decryptor(view);
  if (!d) out.why = d.error().detail;
  for (const auto& s : archive) {
    auto obs = observe("an archived session with what key generation saw", s,
                       open_with(s.session, d));
    out.opened += obs.recovered();
    if (!out.first) out.first = obs;
  }
  return out;
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("The party that generated the authority's key keeps a copy of everything it saw. Later it");
  story.say("tries that copy on the archive. Under a dealer it saw all n shares (clipper: the programming");
  story.say("facility saw every unit key); under a DKG it saw its own share and public commitments.");
  const std::size_t count = o.quick ? 12 : 100;
  for (auto name : schemes::names()) {
    progress(o, "dealer-retains-key", name);
    auto rng = rng_for(o, "dealer-retains-key", name);
    auto config = config_for(o);
    config.dealer = o.variant.keyed_by_dealer;  // a test variant: the DKG designs keyed by a dealer as deployed
    auto scheme = make_scheme(name, config, rng);
    std::vector<StoredSession> archive;
    for (std::size_t i = 0; i < count; ++i)
      archive.push_back(make_session(*scheme, i % 2 ? "alice" : "carol", "bob", i, fmt::format("archive {}", i), rng));
    auto out = try_view(*scheme, archive, o.variant.dealer_deletes_copy);
    Cell cell{.scheme = std::string(name)};
    cell.observations.push_back(*out.first);
    cell.verdict = out.opened ? Verdict::broken : Verdict::held;
    cell.evidence = fmt::format("key generation ({}) saw {} trustee secret(s); {} sessions opened{}",
                                scheme->properties().key_generation, out.held_secrets, stats::proportion_text(out.opened, count),
                                out.why.empty() ? "" : " (" + out.why + ")");
    cell.metrics = {{"key_generation", scheme->properties().key_generation}, {"secrets_seen", out.held_secrets},
                    {"sessions", count}, {"opened", out.opened}};
    stats::put_proportion(cell.metrics, "opened_share", out.opened, count);
    // No check runs in this attack: its detection is "not observable", never a computed false.
    cell.metrics["detection"] = {{"observable", false}, {"detected", "not observable in this scenario"}, {"why", "the dealer decrypts with the key it kept; no trustee, log or auditor takes part"}};
    if (!scheme->properties().investigator_keeps_key && scheme->properties().key_generation != "dealer") {
      // The same design keyed by `ceremony dealer`, for comparison.
      auto dealer = config_for(o);
      dealer.dealer = true;
      auto dealt = make_scheme(name, dealer, rng);
      std::vector<StoredSession> again;
      for (std::size_t i = 0; i < std::min<std::size_t>(count, 4); ++i)
        again.push_back(make_session(*dealt, "alice", "bob", i, fmt::format("dealer-keyed {}", i), rng));
      auto d = try_view(*dealt, again);
      cell.metrics["with_dealer_ceremony"] = {{"opened", d.opened}, {"sessions", again.size()},
                                              {"verdict", d.opened ? "broken" : "held"}};
      cell.observations.push_back(*d.first);
      cell.observations.back().what += " (same design, dealer ceremony)";
      cell.observations.back().role = Role::comparison;
    }
    r.cells.push_back(std::move(cell));
  }
  return r;
}

// The closing paragraph, from the cells: where what key generation saw opened the archive, where it
// opened nothing, and what the same designs keyed by a dealer ceremony gave.
std::string closing(const Report& r) {
  const auto opened = [](const Cell& c) {
    return fmt::format("{} ({} of {})", c.scheme, c.metrics.value("opened", std::size_t{0}), c.metrics.value("sessions", std::size_t{0}));
  };
  const auto dealt = [](std::string_view v) {
    return [v](const Cell& c) {
      return c.metrics.contains("with_dealer_ceremony") && c.metrics["with_dealer_ceremony"].value("verdict", std::string()) == v;
    };
  };
  std::string out = fmt::format(
      "In this run what key generation saw {}.\n",
      clauses({{"opened the archive under ", cells_where(r, [](const Cell& c) { return c.verdict == Verdict::broken; }, opened, "")},
               {"opened nothing under ", designs_with(r, Verdict::held, "")}},
              "was tried under no design"));
  const auto again = clauses({{"opened sessions under ", cells_where(r, dealt("broken"), {}, "")},
                              {"opened nothing under ", cells_where(r, dealt("held"), {}, "")}},
                             "");
  if (!again.empty()) out += fmt::format("The same designs keyed by a dealer ceremony: {}.\n", again);
  return out;
}

}  // namespace

const Attack kDealerRetainsKey{"dealer-retains-key", "The party that dealt the key decrypts everything",
                               "Pedersen, A Threshold Cryptosystem without a Trusted Party, EUROCRYPT 1991; GJKR 1999", run, closing};

}  // namespace doormat::attacks
