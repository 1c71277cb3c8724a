// The HTML report: one file, inline CSS and SVG, nothing fetched, nothing scripted.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "escrow/schemes.hpp"
#include "report.hpp"

namespace doormat::attacks {
namespace {

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

constexpr std::array<const char*, 6> kColours{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

std::string number(double v) {
  if (v == 0) return "0";
  if (std::abs(v) >= 1e5 || std::abs(v) < 1e-2) return fmt::format("{:.0e}", v);
  return fmt::format("{:.3g}", v);
}

struct Axis {
  double lo, hi;
  bool log;
  double map(double v, double from, double to) const {
    const double a = log ? std::log10(std::max(v, 1e-12)) : v;
    const double l = log ? std::log10(lo) : lo, h = log ? std::log10(hi) : hi;
    return from + (to - from) * (h == l ? 0.5 : (a - l) / (h - l));
  }
};

Axis axis(const Chart& c, bool y) {
  double lo = 1e300, hi = -1e300;
  for (const auto& s : c.series)
    for (auto [px, py] : s.points) {
      const double v = y ? py : px;
      if ((y ? c.log_y : c.log_x) && v <= 0) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (lo > hi) lo = 0, hi = 1;
  const bool log = y ? c.log_y : c.log_x;
  if (log) {
    lo = std::pow(10, std::floor(std::log10(lo)));
    hi = std::pow(10, std::ceil(std::log10(hi)));
    if (lo == hi) hi = lo * 10;
  } else {
    if (y || c.bars) lo = std::min(lo, 0.0);
    if (hi == lo) hi = lo + 1;
    hi += (hi - lo) * 0.05;
  }
  return {lo, hi, log};
}

}  // namespace

std::string to_svg(const Chart& c) {
  constexpr double W = 640, H = 320, L = 70, R = 20, T = 30, B = 50;
  const Axis ax = axis(c, false), ay = axis(c, true);
  std::string s = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" role="img">)", W, H, W, H);
  s += fmt::format(R"(<title>{}</title><text x="{}" y="18" font-size="13" text-anchor="middle" font-weight="bold">{}</text>)",
                   escape(c.title), W / 2, escape(c.title));
  s += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#333"/><line x1="{0}" y1="{2}" x2="{3}" y2="{2}" stroke="#333"/>)",
                   L, T, H - B, W - R);
  for (int i = 0; i <= 4; ++i) {  // y ticks
    const double v = ay.log ? std::pow(10, std::log10(ay.lo) + (std::log10(ay.hi) - std::log10(ay.lo)) * i / 4)
                            : ay.lo + (ay.hi - ay.lo) * i / 4;
    const double y = ay.map(v, H - B, T);
    s += fmt::format(R"(<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="#ddd"/><text x="{}" y="{:.1f}" font-size="10" text-anchor="end">{}</text>)",
                     L, y, W - R, y, L - 4, y + 3, number(v));
  }
  std::vector<double> xs;
  for (const auto& se : c.series)
    for (auto [px, py] : se.points) xs.push_back(px);
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  const std::size_t step = std::max<std::size_t>(1, xs.size() / 10);
  for (std::size_t i = 0; i < xs.size(); i += step)
    s += fmt::format(R"(<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle">{}</text>)", ax.map(xs[i], L + 20, W - R - 20),
                     H - B + 14, xs[i] >= 0 && static_cast<std::size_t>(xs[i]) < c.categories.size()
                                     ? escape(c.categories[static_cast<std::size_t>(xs[i])])
                                     : number(xs[i]));
  s += fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>)", (L + W - R) / 2, H - 12, escape(c.x_label));
  s += fmt::format(R"~(<text x="14" y="{}" font-size="11" text-anchor="middle" transform="rotate(-90 14 {})">{}</text>)~", (T + H - B) / 2,
                   (T + H - B) / 2, escape(c.y_label));
  const double bar_w = std::max(4.0, (W - L - R - 40) / std::max<std::size_t>(1, xs.size()) / (c.series.size() + 1));
  for (std::size_t k = 0; k < c.series.size(); ++k) {
    const auto& se = c.series[k];
    const char* colour = kColours[k % kColours.size()];
    if (c.bars) {
      for (auto [px, py] : se.points) {
        const double x = ax.map(px, L + 20, W - R - 20) - bar_w * c.series.size() / 2 + bar_w * k;
        const double y = ay.map(std::max(py, ay.lo), H - B, T);
        s += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{}: {}</title></rect>)", x, y,
                         bar_w * 0.9, H - B - y, colour, escape(se.name), number(py));
      }
    } else {
      std::string pts;
      for (auto [px, py] : se.points) pts += fmt::format("{:.1f},{:.1f} ", ax.map(px, L + 20, W - R - 20), ay.map(py, H - B, T));
      s += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>)", colour, pts);
    }
    s += fmt::format(R"(<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" font-size="10">{}</text>)", W - R - 170,
                     T + 4 + 14 * k, colour, W - R - 155, T + 13 + 14 * k, escape(se.name));
  }
  return s + "</svg>";
}

std::string to_html(const std::vector<Report>& reports, const Options& options) {
  std::string h = R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Doormat attack report</title><style>
body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse}
td,th{border:1px solid #bbb;padding:4px 8px;font-size:13px}td.broken{background:#f4a6a6}td.held{background:#a8dcab}
td.detected{background:#f7d98b}td.na{background:#eee;color:#777}pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}
.ev{font-size:12px}</style></head><body>)";
  std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  h += fmt::format("<h1>Doormat: five escrow designs under attack</h1><p>Generated {} by <code>escrow-attacks</code> ({} mode, seed "
                   "<code>{}</code>, tdh2-crumple t = {}). Every verdict below comes from a run that decrypted, or failed to "
                   "decrypt, real sessions.</p>",
                   when, options.quick ? "quick" : "full", escape(options.seed), options.crumple());
  h += R"(<h2>Matrix</h2><table id="matrix"><tr><th>attack</th>)";
  for (auto s : escrow::schemes::names()) h += fmt::format("<th>{}</th>", s);
  h += "</tr>";
  for (const auto& r : reports) {
    h += fmt::format(R"(<tr><th><a href="#{0}">{0}</a></th>)", r.attack);
    for (const auto& c : r.cells) {
      const auto v = to_string(c.verdict);
      h += fmt::format(R"(<td class="{}" data-attack="{}" data-scheme="{}" data-verdict="{}" title="{}">{}</td>)",
                       c.verdict == Verdict::not_applicable ? "na" : std::string(v), r.attack, c.scheme, v, escape(c.evidence), v);
    }
    h += "</tr>";
  }
  h += "</table><p>broken: the attacker got plaintext it should not have; held: it did not; detected: it did, "
       "but left evidence an auditor sees; n/a: the attack does not apply to the design.</p>";
  for (const auto& r : reports) {
    h += fmt::format(R"(<h2 id="{0}">{0}: {1}</h2><pre>{2}</pre>)", r.attack, escape(r.title), escape(r.narrative));
    for (const auto& c : r.charts) h += "<div>" + to_svg(c) + "</div>";
    h += "<ul>";
    for (const auto& c : r.cells)
      h += fmt::format(R"(<li class="ev"><b>{}</b> — {}: {}</li>)", c.scheme, to_string(c.verdict), escape(c.evidence));
    h += fmt::format("</ul><p class=\"ev\">{:.1f} s</p>", r.seconds);
  }
  return h + "</body></html>\n";
}

}  // namespace doormat::attacks
