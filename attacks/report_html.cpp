// The HTML report: one file, inline CSS and SVG, nothing fetched, nothing scripted.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <string_view>
#include <utility>

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

// ---------------------------------------------------------------- charts
//
// Every chart is drawn the same way: a title (wrapped), a plotting area with a value axis, the
// ticks, the axis labels, and below them a legend that never covers data. Counts get integer
// ticks, log axes ticks at powers of ten (1-2-5 on short ranges) written plainly (0.01, 10, 1k, 1M,
// 10⁹), bars stay inside their axis, intervals are error bars, extrapolated values are dashed or
// hollow, and lines that coincide stay visible (the lower one wider, each with its own marker).
// The classes and data- attributes are what tests/attacks/charts_in_chromium.sh reads back.

constexpr std::array<const char*, 6> kColours{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

std::size_t glyphs(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Nothing measures text in a file no script runs in, so widths are estimated conservatively:
// 0.62 em a character (0.68 bold), where DejaVu Sans and Liberation Sans average about 0.55 em on
// mixed text. The Chromium test measures the real boxes and fails if one leaves its picture.
double text_width(std::string_view s, double size, bool bold = false) {
  return static_cast<double>(glyphs(s)) * size * (bold ? 0.68 : 0.62);
}

// Greedy wrapping at spaces (and after '-' when `at_hyphens`): lines no wider than `width`, except
// a single word wider than it, which stands alone.
std::vector<std::string> wrap(std::string_view s, double size, double width, bool bold, bool at_hyphens) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : s) {
    cur += c;
    if (c == ' ' || (at_hyphens && c == '-')) words.push_back(std::exchange(cur, {}));
  }
  if (!cur.empty()) words.push_back(cur);
  const auto trimmed = [](std::string l) {
    while (!l.empty() && l.back() == ' ') l.pop_back();
    return l;
  };
  std::vector<std::string> lines;
  std::string line;
  for (const auto& w : words) {
    if (!line.empty() && text_width(trimmed(line + w), size, bold) > width) lines.push_back(trimmed(std::exchange(line, {})));
    line += w;
  }
  if (!line.empty()) lines.push_back(trimmed(line));
  return lines;
}

std::string superscript(int n) {
  static constexpr std::array<const char*, 10> kDigits{"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string out = n < 0 ? "⁻" : "";
  for (char c : std::to_string(std::abs(n))) out += kDigits[static_cast<std::size_t>(c - '0')];
  return out;
}

std::string trim_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// A number as a reader writes it, to `sig` significant digits: 0.005, 0.938, 42, 2500, 10k, 835k,
// 1.5M, 10⁹, 2×10⁻⁵. Never "5.62e+03".
std::string plain(double v, int sig = 3) {
  if (v == 0 || !std::isfinite(v)) return v == 0 ? "0" : "?";
  const std::string sign = v < 0 ? "-" : "";
  double a = std::abs(v);
  const int e = static_cast<int>(std::floor(std::log10(a)));
  const double unit = std::pow(10.0, e - sig + 1);
  a = std::round(a / unit) * unit;  // rounded to sig digits first, so 9999.7 becomes 10k, not "10000"
  if (a >= 1e-3 && a < 1e4) {
    const int before = static_cast<int>(std::floor(std::log10(a))) + 1;
    return sign + trim_zeros(fmt::format("{:.{}f}", a, std::max(0, sig - before)));
  }
  if (a >= 1e4 && a < 1e9) {
    const bool mega = a >= 1e6;
    return sign + plain(a / (mega ? 1e6 : 1e3), sig) + (mega ? "M" : "k");
  }
  const int ex = static_cast<int>(std::floor(std::log10(a) + 1e-9));
  const std::string mantissa = trim_zeros(fmt::format("{:.{}f}", a / std::pow(10.0, ex), sig - 1));
  return sign + (mantissa == "1" ? "" : mantissa + "×") + "10" + superscript(ex);
}

struct Tick {
  double v;
  std::string label;
};

struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  bool integer = false;  ///< every value on it is a whole number (a count, a day, a bit width): integer ticks
  std::vector<Tick> ticks;
  [[nodiscard]] double frac(double v) const {
    if (log) {
      const double l = std::log10(lo), h = std::log10(hi);
      return (std::log10(std::max(v, lo)) - l) / (h - l);
    }
    return (v - lo) / (hi - lo);
  }
  [[nodiscard]] double map(double v, double from, double to) const { return from + (to - from) * frac(v); }
};

// The step of about `target` ticks over `span`: 1, 2 or 5 times a power of ten; at least 1 on an
// integer axis, so that a count never shows 2.5.
double nice_step(double span, int target, bool integer) {
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 5.0})
    if (m * mag >= raw * (1 - 1e-9)) {
      step = m * mag;
      break;
    }
  return integer ? std::max(1.0, std::round(step)) : step;
}

std::vector<Tick> linear_ticks(double lo, double hi, double step) {
  std::vector<Tick> out;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) {
    const double v = std::abs(k) < 0.5 ? 0.0 : k * step;
    out.push_back({v, plain(v, 6)});
  }
  return out;
}

// An axis over `values`. Linear: from the tick at or below the smallest to the tick at or above
// the largest (from zero under bars) when `snap`, else just the values' range; padded by `pad` of
// the span so that a line at an extreme is not drawn on the axis itself. Log: whole decades, every
// s-th labelled.
Axis value_axis(const std::vector<double>& values, bool log, bool from_zero, double pad, int target, bool snap = true) {
  Axis a;
  a.log = log;
  a.integer = !log && std::all_of(values.begin(), values.end(), [](double v) { return v == std::round(v); });
  double lo = 1e300, hi = -1e300;
  for (double v : values)
    if (std::isfinite(v) && (!log || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (lo > hi) lo = log ? 1 : 0, hi = log ? 10 : 1;
  if (log) {
    int e0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9)), e1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
    if (from_zero && std::log10(lo) - e0 < 0.3) --e0;  // a bar just above the axis's floor would hardly show
    if (e1 <= e0) e1 = e0 + 1;
    if (e1 - e0 <= 2) {
      for (int e = e0; e <= e1; ++e)
        for (double m : {1.0, 2.0, 5.0})
          if (const double v = m * std::pow(10.0, e); v <= std::pow(10.0, e1) * (1 + 1e-9)) a.ticks.push_back({v, plain(v)});
    } else {
      const int s = (e1 - e0 + 6) / 7;  // at most about 8 labels
      e0 = static_cast<int>(std::floor(static_cast<double>(e0) / s)) * s;
      e1 = static_cast<int>(std::ceil(static_cast<double>(e1) / s)) * s;
      for (int e = e0; e <= e1; e += s) a.ticks.push_back({std::pow(10.0, e), plain(std::pow(10.0, e))});
    }
    a.lo = std::pow(10.0, e0 - pad * (e1 - e0));
    a.hi = std::pow(10.0, e1 + pad * (e1 - e0));
    return a;
  }
  if (from_zero) lo = std::min(lo, 0.0), hi = std::max(hi, 0.0);
  if (hi == lo) hi = lo + 1;
  const double step = nice_step(hi - lo, target, a.integer);
  if (!snap) {
    a.lo = lo - (hi - lo) * pad;
    a.hi = hi + (hi - lo) * pad;
    a.ticks = linear_ticks(a.lo, a.hi, step);
    return a;
  }
  a.ticks = linear_ticks(lo, hi, step);
  if (a.ticks.front().v > lo + 1e-12) a.ticks.insert(a.ticks.begin(), {a.ticks.front().v - step, plain(a.ticks.front().v - step, 6)});
  if (a.ticks.back().v < hi - 1e-12) a.ticks.push_back({a.ticks.back().v + step, plain(a.ticks.back().v + step, 6)});
  a.lo = a.ticks.front().v;
  a.hi = a.ticks.back().v;
  const double span = a.hi - a.lo;
  if (!from_zero || a.lo < 0) a.lo -= span * pad;
  a.hi += span * pad;
  return a;
}

std::string fmt_px(double v) { return trim_zeros(fmt::format("{:.1f}", v)); }

// Marker shapes, so that coinciding lines show every marker: circle, square, triangle, diamond.
std::string marker(std::size_t shape, double x, double y, double r, const char* colour, bool hollow) {
  const std::string paint = hollow ? fmt::format(R"(fill="#fff" stroke="{}" stroke-width="1.5")", colour)
                                   : fmt::format(R"(fill="{}" stroke="#fff" stroke-width="0.75")", colour);
  switch (shape % 4) {
    case 0: return fmt::format(R"(<circle class="marker" cx="{}" cy="{}" r="{}" {}/>)", fmt_px(x), fmt_px(y), fmt_px(r), paint);
    case 1:
      return fmt::format(R"(<rect class="marker" x="{}" y="{}" width="{}" height="{}" {}/>)", fmt_px(x - r * 0.9), fmt_px(y - r * 0.9),
                         fmt_px(r * 1.8), fmt_px(r * 1.8), paint);
    case 2:
      return fmt::format(R"(<path class="marker" d="M{} {}L{} {}L{} {}Z" {}/>)", fmt_px(x), fmt_px(y - r * 1.15), fmt_px(x + r), fmt_px(y + r * 0.75),
                         fmt_px(x - r), fmt_px(y + r * 0.75), paint);
    default:
      return fmt::format(R"(<path class="marker" d="M{} {}L{} {}L{} {}L{} {}Z" {}/>)", fmt_px(x), fmt_px(y - r * 1.2), fmt_px(x + r), fmt_px(y),
                         fmt_px(x), fmt_px(y + r * 1.2), fmt_px(x - r), fmt_px(y), paint);
  }
}

constexpr const char* kDash = "7 4";  // extrapolated lines and bars

// How one line series is drawn: the measured ones solid, earlier ones wider (a later line that
// coincides leaves an outline of it) with a larger marker of their own shape; extrapolated dashed
// with hollow markers.
struct LineStyle {
  double width, marker_r;
  std::size_t shape;
};

}  // namespace

std::string to_svg(const Chart& c) {
  constexpr double W = 680, kTitle = 13, kTick = 10, kLabel = 11, kLegend = 10, kPlotH = 230;
  const bool any_extrapolated = std::any_of(c.series.begin(), c.series.end(), [](const Series& se) {
    return std::find(se.extrapolated.begin(), se.extrapolated.end(), true) != se.extrapolated.end();
  });
  const bool any_interval = std::any_of(c.series.begin(), c.series.end(), [](const Series& se) { return !se.intervals.empty(); });

  // The axes.
  std::vector<double> xs, ys;
  for (const auto& se : c.series) {
    for (auto [px, py] : se.points) xs.push_back(px), ys.push_back(py);
    for (auto [lo, hi] : se.intervals) ys.push_back(lo), ys.push_back(hi);
  }
  const Axis ay = value_axis(ys, c.log_y, c.bars, c.bars ? 0.0 : 0.06, 5);
  Axis ax;
  double slot = 1;  // bars: the x distance between neighbouring bars
  if (c.bars) {
    std::vector<double> d = xs;
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    if (d.empty()) d.push_back(0);
    if (!c.categories.empty()) {
      ax.lo = -0.5, ax.hi = std::max<double>(static_cast<double>(c.categories.size()), d.back() + 1) - 0.5;
      for (std::size_t i = 0; i < c.categories.size(); ++i) ax.ticks.push_back({static_cast<double>(i), c.categories[i]});
      ax.integer = true;
    } else {
      for (std::size_t i = 1; i < d.size(); ++i) slot = std::min(i == 1 ? 1e300 : slot, d[i] - d[i - 1]);
      ax.lo = d.front() - slot / 2, ax.hi = d.back() + slot / 2;
      ax.integer = std::all_of(d.begin(), d.end(), [](double v) { return v == std::round(v); });
      if (d.size() <= 8) {
        for (double v : d) ax.ticks.push_back({v, plain(v, 6)});
      } else {
        for (const auto& t : linear_ticks(ax.lo, ax.hi, nice_step(ax.hi - ax.lo, 8, ax.integer))) ax.ticks.push_back(t);
      }
    }
  } else {
    ax = value_axis(xs, c.log_x, false, 0.03, 8, false);
  }

  // The layout: title, plot, x ticks, x label, legend; the left margin fits the widest y tick.
  const auto title_lines = wrap(c.title, kTitle, W - 24, true, false);
  double tick_w = 0;
  for (const auto& t : ay.ticks) tick_w = std::max(tick_w, text_width(t.label, kTick));
  const double y_label_size = std::min(kLabel, kPlotH / std::max(1.0, text_width(c.y_label, 1)));
  const double L = 10 + y_label_size + 8 + tick_w + 6;
  double R = 16;
  if (!c.bars && !ax.ticks.empty()) R = std::max(R, text_width(ax.ticks.back().label, kTick) / 2 + 6);
  const double T = 10 + title_lines.size() * (kTitle + 4) + 18;  // 18: room for a value label over the tallest bar
  const double plot_w = W - L - R, bottom = T + kPlotH;
  const auto px = [&](double v) { return ax.map(v, L, L + plot_w); };
  const auto py = [&](double v) { return ay.map(v, bottom, T); };

  // X tick labels: categories wrapped to their band, numbers thinned until they do not collide.
  std::vector<std::pair<double, std::vector<std::string>>> xlabels;
  const double band = plot_w * slot / (ax.hi - ax.lo);
  if (c.bars && !c.categories.empty()) {
    for (const auto& t : ax.ticks) xlabels.emplace_back(px(t.v), wrap(t.label, kTick, band - 6, false, true));
  } else {
    std::size_t every = 1;
    const auto fits = [&](std::size_t k) {
      for (std::size_t i = k; i < ax.ticks.size(); i += k)
        if (px(ax.ticks[i].v) - px(ax.ticks[i - k].v) < (text_width(ax.ticks[i].label, kTick) + text_width(ax.ticks[i - k].label, kTick)) / 2 + 8)
          return false;
      return true;
    };
    while (every < ax.ticks.size() && !fits(every)) ++every;
    for (std::size_t i = 0; i < ax.ticks.size(); i += every) xlabels.emplace_back(px(ax.ticks[i].v), std::vector{ax.ticks[i].label});
  }
  std::size_t xlabel_lines = 1;
  for (const auto& [x, lines] : xlabels) xlabel_lines = std::max(xlabel_lines, lines.size());
  const double x_label_y = bottom + 6 + xlabel_lines * (kTick + 2) + 16;

  // The legend, below everything else: one item per series, then the keys to intervals and to
  // extrapolated values; items flow into rows.
  struct Item {
    std::string swatch;
    double swatch_w;
    std::string text;
  };
  std::vector<Item> items;
  std::vector<LineStyle> styles(c.series.size());
  {
    std::size_t measured = 0;
    for (const auto& se : c.series) measured += !se.is_extrapolated(0) || se.points.empty();
    std::size_t j = 0;
    for (std::size_t k = 0; k < c.series.size(); ++k) {
      const bool dashed = !c.series[k].points.empty() && c.series[k].is_extrapolated(0);
      const double rank = dashed ? 0.0 : static_cast<double>(measured - 1 - j);
      styles[k] = {dashed ? 2.0 : std::min(2.0 + 2.5 * rank, 9.0), dashed ? 3.5 : std::min(3.5 + 1.5 * rank, 8.0), k};
      j += !dashed;
    }
  }
  for (std::size_t k = 0; k < c.series.size(); ++k) {
    const auto& se = c.series[k];
    const char* colour = kColours[k % kColours.size()];
    std::string sw;
    double sw_w = 28;
    if (c.bars) {
      sw_w = 12;
      sw = fmt::format(R"(<rect x="0" y="-9" width="12" height="12" fill="{}"/>)", colour);
    } else {
      const bool dashed = !se.points.empty() && se.is_extrapolated(0);
      sw = fmt::format(R"(<line x1="0" y1="-3" x2="28" y2="-3" stroke="{}" stroke-width="{}"{}/>)", colour, fmt_px(std::min(styles[k].width, 6.0)),
                       dashed ? fmt::format(R"( stroke-dasharray="{}")", kDash) : "") +
           marker(styles[k].shape, 14, -3, std::min(styles[k].marker_r, 5.0), colour, dashed);
    }
    items.push_back({sw, sw_w, se.name});
  }
  if (any_interval)
    items.push_back({R"(<path d="M3 -10H11M7 -10V4M3 4H11" stroke="#222" stroke-width="1.5" fill="none"/>)", 14, "95% interval"});
  if (any_extrapolated)
    items.push_back({c.bars ? fmt::format(R"(<rect x="0.75" y="-8.25" width="10.5" height="10.5" fill="#fff" stroke="#555" stroke-width="1.5" stroke-dasharray="3 2"/>)")
                            : fmt::format(R"(<line x1="0" y1="-3" x2="28" y2="-3" stroke="#555" stroke-width="2" stroke-dasharray="{}"/>)", kDash) +
                                  marker(0, 14, -3, 3.5, "#555", true),
                     c.bars ? 12.0 : 28.0,
                     c.bars ? "hollow, dashed: extrapolated from a model, not measured"
                            : "dashed line, hollow markers: extrapolated from a model, not measured"});
  std::string legend;
  double lx = L, ly = x_label_y + 22;
  for (const auto& it : items) {
    const double w = it.swatch_w + 6 + text_width(it.text, kLegend);
    if (lx > L && lx + w > W - 10) lx = L, ly += 17;
    legend += fmt::format(R"~(<g class="legend-item" transform="translate({},{})">{}<text x="{}" y="0" font-size="{}">{}</text></g>)~", fmt_px(lx),
                          fmt_px(ly), it.swatch, fmt_px(it.swatch_w + 6), kLegend, escape(it.text));
    lx += w + 18;
  }
  const double H = ly + 12;

  std::string s = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img" font-family="sans-serif" )"
      R"(data-x-scale="{2}" data-y-scale="{3}" data-x-integer="{4}" data-y-integer="{5}" data-kind="{6}">)",
      W, fmt_px(H), c.bars && !c.categories.empty() ? "category" : (ax.log ? "log" : "linear"), ay.log ? "log" : "linear", ax.integer, ay.integer,
      c.bars ? "bars" : "lines");
  s += fmt::format("<title>{}</title>", escape(c.title));
  for (std::size_t i = 0; i < title_lines.size(); ++i)
    s += fmt::format(R"(<text class="title" x="{}" y="{}" font-size="{}" text-anchor="middle" font-weight="bold">{}</text>)", W / 2,
                     fmt_px(10 + kTitle + i * (kTitle + 4)), kTitle, escape(title_lines[i]));
  s += fmt::format(R"(<rect class="plot-area" x="{}" y="{}" width="{}" height="{}" fill="none"/>)", fmt_px(L), fmt_px(T), fmt_px(plot_w), kPlotH);
  // The value axis: gridlines and labelled ticks.
  for (const auto& t : ay.ticks) {
    const double y = py(t.v);
    s += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#e2e2e2"/><line x1="{3}" y1="{1}" x2="{0}" y2="{1}" stroke="#333"/>)"
                     R"(<text class="tick-y" data-v="{4}" x="{5}" y="{6}" font-size="{7}" text-anchor="end">{8}</text>)",
                     fmt_px(L), fmt_px(y), fmt_px(L + plot_w), fmt_px(L - 4), t.v, fmt_px(L - 6), fmt_px(y + 3.5), kTick, escape(t.label));
  }
  s += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#333"/><line x1="{0}" y1="{2}" x2="{3}" y2="{2}" stroke="#333"/>)",
                   fmt_px(L), fmt_px(T), fmt_px(bottom), fmt_px(L + plot_w));
  for (const auto& [x, lines] : xlabels) {
    s += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#333"/>)", fmt_px(x), fmt_px(bottom), fmt_px(bottom + 4));
    for (std::size_t i = 0; i < lines.size(); ++i)
      s += fmt::format(R"(<text class="tick-x" x="{}" y="{}" font-size="{}" text-anchor="middle">{}</text>)", fmt_px(x),
                       fmt_px(bottom + 6 + kTick + i * (kTick + 2)), kTick, escape(lines[i]));
  }
  s += fmt::format(R"(<text class="axis-label" x="{}" y="{}" font-size="{}" text-anchor="middle">{}</text>)", fmt_px(L + plot_w / 2),
                   fmt_px(x_label_y), kLabel, escape(c.x_label));
  const double yl_x = 10 + y_label_size * 0.8, yl_y = T + kPlotH / 2;
  s += fmt::format(R"~(<text class="axis-label" x="{0}" y="{1}" font-size="{2}" text-anchor="middle" transform="rotate(-90 {0} {1})">{3}</text>)~",
                   fmt_px(yl_x), fmt_px(yl_y), fmt_px(y_label_size), escape(c.y_label));

  // The data.
  if (c.bars) {
    std::size_t n_bars = 0;
    for (const auto& se : c.series) n_bars += se.points.size();
    const double group = band * 0.8, bw = group / std::max<std::size_t>(1, c.series.size());
    for (std::size_t k = 0; k < c.series.size(); ++k) {
      const auto& se = c.series[k];
      const char* colour = kColours[k % kColours.size()];
      s += fmt::format(R"(<g class="series" data-name="{}">)", escape(se.name));
      for (std::size_t i = 0; i < se.points.size(); ++i) {
        const auto [vx, vy] = se.points[i];
        if (ay.log && vy <= 0) continue;
        const bool extrapolated = se.is_extrapolated(i);
        const double x = px(vx) - group / 2 + bw * k + bw * 0.05, w = bw * 0.9;
        const double base = ay.log ? bottom : py(std::clamp(0.0, ay.lo, ay.hi));
        const double top = py(std::clamp(vy, ay.lo, ay.hi));
        const double y = std::min(top, base), h = std::abs(base - top);
        s += fmt::format(R"(<rect class="bar" data-extrapolated="{}" x="{}" y="{}" width="{}" height="{}" {}><title>{}: {}{}</title></rect>)",
                         extrapolated, fmt_px(x), fmt_px(y), fmt_px(w), fmt_px(std::max(h, 0.5)),
                         extrapolated ? fmt::format(R"(fill="#fff" stroke="{}" stroke-width="1.5" stroke-dasharray="4 3")", colour)
                                      : fmt::format(R"(fill="{}")", colour),
                         escape(se.name), plain(vy, 4), extrapolated ? " (extrapolated)" : "");
        double label_y = y;
        if (i < se.intervals.size()) {
          const auto [lo, hi] = se.intervals[i];
          const double y_lo = py(std::clamp(lo, ay.lo, ay.hi)), y_hi = py(std::clamp(hi, ay.lo, ay.hi)), cx = x + w / 2, cap = std::min(8.0, w / 4);
          s += fmt::format(R"(<path class="interval" data-low="{}" data-high="{}" d="M{} {}H{}M{} {}V{}M{} {}H{}" stroke="#222" stroke-width="1.5" fill="none">)"
                           R"(<title>95% interval {}–{}</title></path>)",
                           lo, hi, fmt_px(cx - cap), fmt_px(y_hi), fmt_px(cx + cap), fmt_px(cx), fmt_px(y_hi), fmt_px(y_lo), fmt_px(cx - cap),
                           fmt_px(y_lo), fmt_px(cx + cap), plain(lo, 3), plain(hi, 3));
          label_y = std::min(label_y, y_hi);
        }
        // Value labels when there are few bars: a bar that dwarfs the others still lets one read them.
        if (n_bars <= 12 && text_width(plain(vy), kTick) <= bw + 4)
          s += fmt::format(R"(<text class="value" x="{}" y="{}" font-size="{}" text-anchor="middle">{}</text>)", fmt_px(x + w / 2),
                           fmt_px(label_y - 4), kTick, plain(vy));
      }
      s += "</g>";
    }
  } else {
    // Extrapolated series first, then the measured ones widest first: every line stays visible.
    std::vector<std::size_t> order(c.series.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const bool da = c.series[a].is_extrapolated(0), db = c.series[b].is_extrapolated(0);
      return da != db ? da : styles[a].width > styles[b].width;
    });
    for (std::size_t k : order) {
      const auto& se = c.series[k];
      const char* colour = kColours[k % kColours.size()];
      s += fmt::format(R"(<g class="series" data-name="{}" data-width="{}" data-shape="{}">)", escape(se.name), styles[k].width, styles[k].shape % 4);
      // Runs of segments drawn alike: a segment touching an extrapolated point is dashed.
      for (std::size_t i = 0; i + 1 < se.points.size();) {
        const bool dashed = se.is_extrapolated(i) || se.is_extrapolated(i + 1);
        std::string pts = fmt::format("{},{}", fmt_px(px(se.points[i].first)), fmt_px(py(se.points[i].second)));
        std::size_t j = i + 1;
        for (; j < se.points.size(); ++j) {
          if ((se.is_extrapolated(j - 1) || se.is_extrapolated(j)) != dashed) break;
          pts += fmt::format(" {},{}", fmt_px(px(se.points[j].first)), fmt_px(py(se.points[j].second)));
        }
        s += fmt::format(R"(<polyline class="line" data-extrapolated="{}" fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round"{} points="{}"/>)",
                         dashed, colour, fmt_px(dashed ? 2.0 : styles[k].width),
                         dashed ? fmt::format(R"( stroke-dasharray="{}")", kDash) : "", pts);
        i = j - 1;
      }
      for (std::size_t i = 0; i < se.points.size(); ++i) {
        const auto [vx, vy] = se.points[i];
        if ((ay.log && vy <= 0) || (ax.log && vx <= 0)) continue;
        s += marker(styles[k].shape, px(vx), py(vy), se.is_extrapolated(i) ? 3.5 : styles[k].marker_r, colour, se.is_extrapolated(i));
      }
      s += "</g>";
    }
  }
  s += R"(<g class="legend">)" + legend + "</g>";
  return s + "</svg>";
}

namespace {

// The page's head and style, shared by the matrix's page and the live one.
std::string page_head(std::string_view title) {
  return fmt::format(R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{}</title>)", escape(std::string(title))) +
         R"(<style>
body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse}
td,th{border:1px solid #bbb;padding:4px 8px;font-size:13px}td.broken{background:#f4a6a6}td.held{background:#a8dcab}
td.detected{background:#f7d98b}td.na{background:#eee;color:#777}pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}
.ev{font-size:12px}</style></head><body>)";
}

std::string verdict_cell(const Report& r, const Cell& c) {
  const auto v = to_string(c.verdict);
  return fmt::format(R"(<td class="{}" data-attack="{}" data-scheme="{}" data-verdict="{}" title="{}">{}</td>)",
                     c.verdict == Verdict::not_applicable ? "na" : std::string(v), r.attack, c.scheme, v, escape(c.evidence), v);
}

// Each attack's narrative, charts and per-cell evidence.
std::string sections(const std::vector<Report>& reports) {
  std::string h;
  for (const auto& r : reports) {
    h += fmt::format(R"(<h2 id="{0}">{0}: {1}</h2><pre>{2}</pre>)", r.attack, escape(r.title), escape(r.narrative));
    for (const auto& c : r.charts) h += "<div>" + to_svg(c) + "</div>";
    h += "<ul>";
    for (const auto& c : r.cells)
      h += fmt::format(R"(<li class="ev"><b>{}</b> — {}: {}</li>)", c.scheme, to_string(c.verdict), escape(c.evidence));
    h += fmt::format("</ul><p class=\"ev\">{:.1f} s</p>", r.seconds);
  }
  return h;
}

std::string generated_at() {
  std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  return when;
}

}  // namespace

std::string to_html_live(const std::vector<Report>& reports, const std::string& workdir) {
  std::string h = page_head("Doormat live attack report");
  h += fmt::format("<h1>Doormat: attacks on a live deployment</h1><p>Generated {} by <code>escrow-attacks live</code> on the demo "
                   "folder <code>{}</code>. Each verdict comes from plaintexts recovered in this run, compared with the demo's "
                   "ground truth, and from what the real trustees and the real auditor reported in it.</p>",
                   generated_at(), escape(workdir));
  h += R"(<h2>Live deployment</h2><table id="live"><tr><th>scenario</th><th>deployment</th><th>evidence</th></tr>)";
  for (const auto& r : reports)
    for (const auto& c : r.cells)
      h += fmt::format(R"(<tr><th><a href="#{0}">{0}</a></th>{1}<td class="ev">{2}</td></tr>)", r.attack, verdict_cell(r, c), escape(c.evidence));
  h += "</table><p>broken: the attacker got what it went after; held: it did not; detected: it did, and a check "
       "that ran in this run flagged it (the auditor, or a trustee's own start check). Where the scenario runs no check that could see the attack, the evidence says \"detection not observable in "
       "this scenario\": broken there means obtained, not shown to go unseen. Rates: offline decryption is the mean of "
       "timed passes' per-core rates; Argon2id guessing is the inverse of the mean per-guess time; both on the thread's CPU clock, "
       "with a within-run 95% Student t interval (one run's spread; the spread between runs differs).</p>";
  return h + sections(reports) + "</body></html>\n";
}

std::string to_html(const std::vector<Report>& reports, const Options& options) {
  std::string h = page_head("Doormat attack report");
  const std::string when = generated_at();
  h += fmt::format("<h1>Doormat: five escrow designs under attack</h1><p>Generated {} by <code>escrow-attacks</code> ({} mode, seed "
                   "<code>{}</code>, tdh2-crumple t = {}). Every verdict below comes from a run that decrypted, or failed to "
                   "decrypt, real sessions.</p>",
                   when, options.quick ? "quick" : "full", escape(options.seed), options.crumple());
  h += R"(<h2>Matrix</h2><table id="matrix"><tr><th>attack</th>)";
  for (auto s : escrow::schemes::names()) h += fmt::format("<th>{}</th>", s);
  h += "</tr>";
  for (const auto& r : reports) {
    h += fmt::format(R"(<tr><th><a href="#{0}">{0}</a></th>)", r.attack);
    for (const auto& c : r.cells) h += verdict_cell(r, c);
    h += "</tr>";
  }
  h += "</table><p>broken: the attacker got plaintext it should not have; held: it did not; detected: it did, "
       "and a check that ran in the attack flagged it (the auditor's finding; for bad-share, the combine naming the cheater); n/a: the attack does not apply to the design.</p>";
  return h + sections(reports) + "</body></html>\n";
}

}  // namespace doormat::attacks
