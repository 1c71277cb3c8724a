// key-persistence: what a lawful investigator keeps after the warrant. Under naive-shamir the
// trustees hand over shares and the investigator rebuilds the master key; under clipper the agents
// release the device's unit key. Either way the next session, outside any warrant, opens too.
// Threshold designs hand over x_i·u for one u: useless for any other session.
#include <ctime>

#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("A court authorises alice's sessions of day 1. The investigator decrypts them lawfully and keeps");
  story.say("everything the trustees sent. Weeks later, with no warrant, it tries that material on alice's");
  story.say("session of day 40 and on a session between two people never named in any warrant. An auditor");
  story.say("then reads the trustees' logs against the court's register.");
  Court court = Court::make(static_cast<uint64_t>(std::time(nullptr)));
  for (auto name : schemes::names()) {
    progress(o, "key-persistence", name);
    auto rng = rng_for(o, "key-persistence", name);
    auto scheme = make_scheme(name, o, rng);
    const auto in_scope = make_session(*scheme, "alice", "bob", 1, "day 1: alice -> bob (warrant)", rng);
    const auto later = make_session(*scheme, "alice", "bob", 40, "day 40: alice -> bob (no warrant)", rng);
    const auto stranger = make_session(*scheme, "carol", "dave", 2, "day 2: carol -> dave (never named)", rng);
    std::vector<schemes::Answer> kept;
    const auto warrant = court.issue({"alice"}, 1, 1, rng);
    auto lawful = schemes::lawful_open(*scheme, in_scope.session, warrant, rng, &kept);
    if (o.variant.investigator_discards) kept.clear();  // a test variant: nothing kept
    Cell cell{.scheme = std::string(name)};
    cell.observations.push_back(observe("the warranted session", in_scope, lawful));
    cell.observations.back().role = Role::control;
    auto reuse = [&](const StoredSession& s, std::string what) {
      auto rec = scheme->combine(s.session.field, s.session.label, kept,
                                 [&](const schemes::SessionKey& k) { return schemes::open(s.session, k).has_value(); });
      cell.observations.push_back(observe(std::move(what), s, open_recovered(s.session, rec)));
    };
    reuse(later, "alice's day-40 session with the kept material");
    reuse(stranger, "carol's session with the kept material");
    const int out_of_warrant = cell.observations[1].recovered() + cell.observations[2].recovered();
    // Reusing kept material asks no trustee, so no log holds it: the auditor runs (its figures are
    // context) but nothing it could flag is the reuse, and the verdict is the plaintexts' alone.
    const auto audit = audit_logs(*scheme, &court.issued);
    cell.verdict = out_of_warrant > 0 ? Verdict::broken : Verdict::held;
    cell.evidence = fmt::format("{}; {}; {}; audit against the court's register: {}", describe(cell.observations[0]),
                                describe(cell.observations[1]), describe(cell.observations[2]), audit.summary());
    cell.metrics = {{"detection", detection_not_observable("the kept material opens the sessions offline: no trustee is asked, so no "
                                                            "log holds the reuse and the auditor, run after it, cannot see it")},
                    {"lawful_recovered", cell.observations[0].recovered()},
                    {"out_of_warrant_sessions_opened", out_of_warrant},
                    {"logs_audited", audit.logs}, {"log_entries", audit.entries}, {"logs_flagged", audit.flagged},
                    {"kept_bytes", [&] { std::size_t n = 0; for (const auto& a : kept) n += a.bytes.size(); return n; }()}};
    r.cells.push_back(std::move(cell));
  }
  return r;
}

// The closing paragraph, from the cells: where the kept material opened sessions no warrant covers
// (how many of the two tried), and where it opened none.
std::string closing(const Report& r) {
  const auto opened = [](const Cell& c) {
    return fmt::format("{} ({} of {})", c.scheme, c.metrics.value("out_of_warrant_sessions_opened", 0),
                       c.observations.size() > 0 ? c.observations.size() - 1 : 0);
  };
  return fmt::format(
      "In this run the material kept from one lawful warrant {}.\n",
      clauses({{"opened sessions no warrant covers, unnoticed, under ", cells_where(r, [](const Cell& c) { return c.verdict == Verdict::broken; }, opened, "")},
               {"opened sessions no warrant covers, flagged by the auditor, under ",
                cells_where(r, [](const Cell& c) { return c.verdict == Verdict::detected; }, opened, "")},
               {"opened none under ", designs_with(r, Verdict::held, "")}},
              "was tried under no design"));
}

}  // namespace

const Attack kKeyPersistence{"key-persistence", "Material from one lawful warrant opens sessions no warrant covers",
                             "Denning & Branstad, A Taxonomy for Key Escrow Encryption Systems, CACM 1996; "
                             "Abelson et al., The Risks of Key Recovery, 1997",
                             run, closing};

}  // namespace doormat::attacks
