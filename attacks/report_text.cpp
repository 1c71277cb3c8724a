#include <fmt/format.h>

#include "escrow/schemes.hpp"
#include "report.hpp"

namespace doormat::attacks {

std::string to_text(const Report& r) {
  std::string out = fmt::format("== {}: {} ==\n\n{}\n", r.attack, r.title, r.narrative);
  for (const auto& c : r.cells) out += fmt::format("  {:<18} {:<9} {}\n", c.scheme, to_string(c.verdict), c.evidence);
  out += fmt::format("\n({:.1f} s)\n", r.seconds);
  return out;
}

std::string matrix_text(const std::vector<Report>& reports) {
  std::string out = fmt::format("{:<22}", "attack");
  for (auto s : escrow::schemes::names()) out += fmt::format(" {:<18}", s);
  out += "\n";
  for (const auto& r : reports) {
    out += fmt::format("{:<22}", r.attack);
    for (const auto& c : r.cells) out += fmt::format(" {:<18}", to_string(c.verdict));
    out += "\n";
  }
  return out;
}

nlohmann::json cell_json(const Report& r, const Cell& c) {
  nlohmann::json observations = nlohmann::json::array();
  for (const auto& o : c.observations)
    observations.push_back({{"what", o.what}, {"role", to_string(o.role)}, {"recovered_original", o.recovered()},
                            {"obtained_anything", o.obtained.has_value()}, {"attacker_won", o.attacker_won()}});
  return {{"attack", r.attack}, {"scheme", c.scheme}, {"verdict", to_string(c.verdict)}, {"evidence", c.evidence},
          {"metrics", c.metrics}, {"observations", observations}};
}

nlohmann::json report_json(const Report& r) {
  nlohmann::json cells = nlohmann::json::array(), charts = nlohmann::json::array();
  for (const auto& c : r.cells) cells.push_back(cell_json(r, c));
  for (const auto& ch : r.charts) {
    nlohmann::json series = nlohmann::json::array();
    for (const auto& s : ch.series) {
      nlohmann::json one{{"name", s.name}, {"points", s.points}};
      if (!s.intervals.empty()) one["intervals95"] = s.intervals;
      if (!s.extrapolated.empty()) one["extrapolated"] = s.extrapolated;
      series.push_back(one);
    }
    charts.push_back({{"title", ch.title}, {"x", ch.x_label}, {"y", ch.y_label}, {"series", series}});
  }
  return {{"attack", r.attack}, {"title", r.title}, {"narrative", r.narrative}, {"numbers", r.numbers},
          {"cells", cells}, {"charts", charts}, {"seconds", r.seconds}};
}

}  // namespace doormat::attacks
