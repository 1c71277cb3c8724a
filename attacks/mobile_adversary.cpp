// mobile-adversary (Ostrovsky & Yung 1991; Herzberg, Jarecki, Krawczyk, Yung, "Proactive Secret
// Sharing", CRYPTO 1995). The attacker breaks into one trustee per epoch and never gets caught.
// Without refresh it holds k shares of the same key at epoch k. With proactive refresh the shares
// it stole in different epochs lie on different polynomials and rebuild nothing — unless a buggy
// refresh leaves the old shares on the trustees' disks.
#include <ctime>

#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

enum class Mode { no_refresh, refresh, refresh_keeping_old_shares };
std::string_view to_string(Mode m) {
  return m == Mode::no_refresh ? "no refresh" : m == Mode::refresh ? "proactive refresh" : "refresh that keeps old shares";
}

struct Timeline {
  std::optional<int> fell_at;  ///< first epoch at which a fresh session opened
  std::vector<std::pair<double, double>> opened_by_epoch;  ///< (epoch, 1 if that epoch's session opened)
  std::optional<Observation> last;
  AuditReport audit;  ///< the auditor on the trustees' logs after the last epoch, against the register
  int lawful_opened = 0;  ///< lawful decryptions that went through the trustees, one per epoch
};

Timeline run_mode(std::string_view name, Mode mode, int epochs, Court& court, const Options& o) {
  auto rng = rng_for(o, "mobile-adversary", fmt::format("{}/{}", name, int(mode)));
  auto scheme = make_scheme(name, o, rng);
  std::vector<std::vector<schemes::TrusteeSecret>> disks(scheme->trustees() + 1);  // what each trustee's disk holds
  std::vector<schemes::TrusteeSecret> stolen;
  Timeline t;
  for (int e = 1; e <= epochs; ++e) {
    // The epoch's traffic first (clipper's agents learn a device's key halves when it first talks).
    const auto session = make_session(*scheme, "alice", "bob", static_cast<uint64_t>(e), fmt::format("epoch {}", e), rng);
    // The epoch's lawful work goes through the trustees (and, for tdh2, their logs).
    const auto lawful = make_session(*scheme, "carol", "dave", static_cast<uint64_t>(e), fmt::format("lawful, epoch {}", e), rng);
    const auto warrant = court.issue({"carol"}, static_cast<uint64_t>(e), static_cast<uint64_t>(e), rng);
    t.lawful_opened += observe("lawful", lawful, schemes::lawful_open(*scheme, lawful.session, warrant, rng)).recovered();
    for (uint32_t i = 1; i <= scheme->trustees(); ++i) {
      if (mode != Mode::refresh_keeping_old_shares) disks[i].clear();
      disks[i].push_back(scheme->steal(*PartyIndex::make(i)));
    }
    const uint32_t victim = static_cast<uint32_t>((e - 1) % scheme->trustees()) + 1;
    for (const auto& s : disks[victim]) stolen.push_back({s.index, s.epoch, s.bytes});
    auto d = scheme->decryptor(stolen);
    auto obs = observe(fmt::format("epoch {} session after breaking into trustee {}", e, victim), session,
                       open_with(session.session, d));
    t.opened_by_epoch.emplace_back(e, obs.recovered() ? 1 : 0);
    if (obs.recovered() && !t.fell_at) t.fell_at = e;
    t.last = obs;
    if (obs.recovered()) break;
    if (mode != Mode::no_refresh) {
      if (auto r = scheme->refresh(rng); !r) throw std::runtime_error(r.error().message());
    }
  }
  t.audit = audit_logs(*scheme, &court.issued);
  return t;
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("Each epoch the attacker breaks into one more trustee (1, 2, 3, ...) and copies what it finds;");
  story.say("it then tries everything it has copied on that epoch's session. Three ways to run the authority:");
  story.say("no refresh, proactive refresh between epochs, and a refresh whose trustees forget to erase old shares.");
  Court court = Court::make(static_cast<uint64_t>(std::time(nullptr)));
  // The title names the charted design's threshold as built in this run (set below), not a constant.
  Chart chart{"", "epoch", "opened (1) / held (0)", false, false, false, {}, {}};
  for (auto name : schemes::names()) {
    progress(o, "mobile-adversary", name);
    auto probe_rng = rng_for(o, "mobile-adversary", name);
    const auto probe = make_scheme(name, o, probe_rng);
    const bool refreshes = probe->properties().refresh;
    if (name == "tdh2")
      chart.title = fmt::format("Mobile adversary (tdh2, {}-of-{}): does the epoch's session open?", probe->threshold(), probe->trustees());
    const int epochs = o.variant.epochs > 0 ? o.variant.epochs : o.quick ? 6 : 10;
    Cell cell{.scheme = std::string(name)};
    std::vector<Mode> modes{Mode::no_refresh};
    if (refreshes) modes = {Mode::no_refresh, Mode::refresh, Mode::refresh_keeping_old_shares};
    const Mode deployed = refreshes && !o.variant.no_refresh ? Mode::refresh : Mode::no_refresh;
    std::map<Mode, Timeline> lines;
    for (auto m : modes) {
      if (name == "tdh2-crumple" && m != deployed) continue;  // the same as tdh2, at 2^t per try
      lines[m] = run_mode(name, m, epochs, court, o);
      cell.metrics[std::string(to_string(m))] =
          lines[m].fell_at ? nlohmann::json(fmt::format("fell at epoch {}", *lines[m].fell_at))
                           : nlohmann::json(fmt::format("held for {} epochs", epochs));
      if (name == "tdh2") chart.series.push_back({std::string(to_string(m)), lines[m].opened_by_epoch});
    }
    const auto& t = lines.at(deployed);
    cell.observations.push_back(*t.last);
    for (auto& [m, line] : lines)
      if (m != deployed) {
        cell.observations.push_back(*line.last);
        cell.observations.back().what += fmt::format(" ({})", to_string(m));
        cell.observations.back().role = Role::comparison;
      }
    // The stolen shares decrypt without asking a trustee, so no log holds it: the auditor runs (its
    // figures are context) but nothing it could flag is the theft, and the verdict is the plaintexts'.
    cell.verdict = t.last && t.last->recovered() ? Verdict::broken : Verdict::held;
    cell.evidence = fmt::format("as deployed ({}): {}; {} lawful decryption(s) through the trustees; audit against the "
                                "court's register: {}",
                                to_string(deployed),
                                t.fell_at ? fmt::format("the quorum fell at epoch {}: {}", *t.fell_at, describe(*t.last))
                                          : fmt::format("no session opened in {} epochs", epochs),
                                t.lawful_opened, t.audit.summary());
    cell.metrics["deployed"] = std::string(to_string(deployed));
    cell.metrics["epochs"] = epochs;
    cell.metrics["fell_at_epoch"] = t.fell_at ? nlohmann::json(*t.fell_at) : nlohmann::json(nullptr);
    cell.metrics["lawful_opened"] = t.lawful_opened;
    cell.metrics["detection"] = detection_not_observable("the stolen shares decrypt offline: no trustee is asked, so no log holds it and "
                                                         "the auditor, run after the last epoch, cannot see it");
    cell.metrics["logs_audited"] = t.audit.logs;
    cell.metrics["log_entries"] = t.audit.entries;
    cell.metrics["logs_flagged"] = t.audit.flagged;
    r.cells.push_back(std::move(cell));
  }
  r.charts.push_back(chart);
  return r;
}

// The closing paragraph, from the cells: as deployed, where the attacker's copies opened an epoch's
// session (and at which epoch), where none did; and what each other way of running the authority gave.
std::string closing(const Report& r) {
  const auto fell = [](const Cell& c) {
    const auto at = c.metrics.value("fell_at_epoch", nlohmann::json());
    return fmt::format("{} ({}{})", c.scheme, c.metrics.value("deployed", std::string()),
                       at.is_number() ? fmt::format(", epoch {}", at.get<int>()) : std::string());
  };
  const auto stood = [](const Cell& c) {
    return fmt::format("{} ({}, {} epochs)", c.scheme, c.metrics.value("deployed", std::string()), c.metrics.value("epochs", 0));
  };
  const auto mode = [](Mode m, bool fell_there) {
    return [m, fell_there](const Cell& c) {
      const auto k = std::string(to_string(m));
      if (!c.metrics.contains(k) || c.metrics.value("deployed", std::string()) == k) return false;
      return c.metrics[k].get<std::string>().starts_with("fell") == fell_there;
    };
  };
  std::string out = fmt::format(
      "In this run, as deployed: {}.\n",
      clauses({{"the copies opened a fresh session unnoticed under ", cells_where(r, [](const Cell& c) { return c.verdict == Verdict::broken; }, fell, "")},
               {"the copies opened a session and the auditor flagged it under ",
                cells_where(r, [](const Cell& c) { return c.verdict == Verdict::detected; }, fell, "")},
               {"no session opened under ", cells_where(r, [](const Cell& c) { return c.verdict == Verdict::held; }, stood, "")}}));
  for (auto m : {Mode::no_refresh, Mode::refresh, Mode::refresh_keeping_old_shares}) {
    const auto other = clauses({{"fell under ", cells_where(r, mode(m, true), {}, "")}, {"held under ", cells_where(r, mode(m, false), {}, "")}}, "");
    if (!other.empty()) out += fmt::format("Run with {} instead: {}.\n", to_string(m), other);
  }
  return out;
}

}  // namespace

const Attack kMobileAdversary{"mobile-adversary", "One trustee broken into per epoch, with and without proactive refresh",
                              "Herzberg, Jarecki, Krawczyk, Yung, Proactive Secret Sharing, CRYPTO 1995", run, closing};

}  // namespace doormat::attacks
