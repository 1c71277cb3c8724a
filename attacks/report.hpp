#pragma once
// How reports leave the program: text for a terminal, JSON for other programs, one HTML page.
#include <string>
#include <vector>

#include "attack.hpp"

namespace doormat::attacks {

/// One attack's narrative, its per-design verdicts and evidence.
[[nodiscard]] std::string to_text(const Report& r);
/// The attack × design table.
[[nodiscard]] std::string matrix_text(const std::vector<Report>& reports);
/// One object per cell: attack, scheme, verdict, evidence, metrics.
[[nodiscard]] nlohmann::json cell_json(const Report& r, const Cell& c);
/// The whole report: narrative, numbers, cells, charts.
[[nodiscard]] nlohmann::json report_json(const Report& r);
/// A self-contained page (inline CSS and SVG, no script, no network): the matrix, then each attack.
[[nodiscard]] std::string to_html(const std::vector<Report>& reports, const Options& options);
/// The page `escrow-attacks live --html` writes: the live cells (one row per scenario, the same
/// data-attack / data-scheme / data-verdict attributes as the matrix's), then each scenario.
[[nodiscard]] std::string to_html_live(const std::vector<Report>& reports, const std::string& workdir);
/// One chart as inline SVG.
[[nodiscard]] std::string to_svg(const Chart& chart);

}  // namespace doormat::attacks
