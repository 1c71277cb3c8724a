// The attacks' interval arithmetic (stats.hpp).
#include "stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace doormat::attacks::stats {

Interval wilson95(std::size_t k, std::size_t n) {
  if (n == 0) return {0, 1};
  const double z = kZ975, nn = static_cast<double>(n), p = static_cast<double>(k) / nn;
  const double centre = (p + z * z / (2 * nn)) / (1 + z * z / nn);
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / (1 + z * z / nn);
  // At k = 0 and k = n the bound is exactly 0 or 1; rounding must not push it past.
  return {k == 0 ? 0.0 : std::max(0.0, centre - half), k == n ? 1.0 : std::min(1.0, centre + half)};
}

double student_t975(std::size_t dof) {
  // t_{0.975} for 1..30 degrees of freedom (any statistics table).
  static constexpr std::array<double, 30> table = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                                   2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                                   2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof >= 1 && dof <= table.size()) return table[dof - 1];
  const double z = 1.959964, v = static_cast<double>(dof);
  return z + (z * z * z + z) / (4 * v) + (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * v * v);
}

Mean t_interval95(std::span<const double> xs) {
  Mean m;
  m.n = xs.size();
  if (m.n == 0) return m;
  m.mean = std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(m.n);
  if (m.n < 2) return m;
  double ss = 0;
  for (double x : xs) ss += (x - m.mean) * (x - m.mean);
  const double half = student_t975(m.n - 1) * std::sqrt(ss / static_cast<double>(m.n - 1)) / std::sqrt(static_cast<double>(m.n));
  m.ci95 = Interval{m.mean - half, m.mean + half};
  return m;
}

Mean ratio_t_interval95(std::span<const double> ys, std::span<const double> xs) {
  Mean m;
  m.n = std::min(ys.size(), xs.size());
  const double sy = std::accumulate(ys.begin(), ys.begin() + static_cast<std::ptrdiff_t>(m.n), 0.0);
  const double sx = std::accumulate(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(m.n), 0.0);
  if (m.n == 0 || sx <= 0) return m;
  m.mean = sy / sx;
  if (m.n < 2) return m;
  double ss = 0;
  for (std::size_t i = 0; i < m.n; ++i) ss += (ys[i] - m.mean * xs[i]) * (ys[i] - m.mean * xs[i]);
  const double n = static_cast<double>(m.n);
  const double half = student_t975(m.n - 1) * std::sqrt(ss / (n - 1)) / (std::sqrt(n) * (sx / n));
  m.ci95 = Interval{m.mean - half, m.mean + half};
  return m;
}

Rate item_rate(std::span<const double> seconds_each, double scale) { return {t_interval95(seconds_each), scale}; }

nlohmann::json Rate::ci95_json() const {
  if (!seconds.ci95) return nullptr;
  const auto [low, high] = *seconds.ci95;
  return nlohmann::json::array({high > 0 ? nlohmann::json(scale / high) : nlohmann::json(0.0),
                                low > 0 ? nlohmann::json(scale / low) : nlohmann::json(nullptr)});
}

std::string Rate::interval_text() const {
  if (!seconds.ci95) return fmt::format("({} timed item, no interval)", seconds.n);
  const auto ci = ci95_json();
  return fmt::format("(95% t interval {:.0f}–{}, {} timed items)", ci[0].get<double>(),
                     ci[1].is_null() ? std::string("unbounded") : fmt::format("{:.0f}", ci[1].get<double>()), seconds.n);
}

void put_proportion(nlohmann::json& metrics, const std::string& key, std::size_t k, std::size_t n) {
  metrics[key] = n ? static_cast<double>(k) / static_cast<double>(n) : 0.0;
  metrics[key + "_ci95"] = wilson95(k, n).json();
  metrics[key + "_ci95_method"] = kWilsonMethod;
}

std::string proportion_text(std::size_t k, std::size_t n) {
  const auto ci = wilson95(k, n);
  return fmt::format("{} of {} (95% Wilson interval {:.3f}–{:.3f})", k, n, ci.low, ci.high);
}

double chi2_quantile(double dof, double z) {
  const double a = 2.0 / (9.0 * dof);
  return dof * std::pow(1 - a + z * std::sqrt(a), 3);
}

double chi2_two_sided_p(double x, double dof) {
  const double a = 2.0 / (9.0 * dof);
  const double z = (std::cbrt(x / dof) - (1 - a)) / std::sqrt(a);
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

double geometric_quantile(double q, double p) { return std::ceil(std::log1p(-q) / std::log1p(-p)); }

}  // namespace doormat::attacks::stats
