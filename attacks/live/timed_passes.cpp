// Student's t interval of a mean rate (timed_passes.hpp).
#include "timed_passes.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <numeric>

namespace doormat::attacks::live {

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double load_average_1min() {
  double l[1] = {0};
  return ::getloadavg(l, 1) == 1 ? l[0] : -1;
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

RateEstimate estimate(std::vector<double> per_pass) {
  RateEstimate r;
  r.per_pass = std::move(per_pass);
  const std::size_t n = r.per_pass.size();
  if (n == 0) return r;
  r.mean = std::accumulate(r.per_pass.begin(), r.per_pass.end(), 0.0) / static_cast<double>(n);
  if (n < 2) return r;
  double ss = 0;
  for (double x : r.per_pass) ss += (x - r.mean) * (x - r.mean);
  const double half = student_t975(n - 1) * std::sqrt(ss / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
  r.ci95 = std::pair{r.mean - half, r.mean + half};
  return r;
}

nlohmann::json RateEstimate::ci95_json() const {
  if (!ci95) return nullptr;
  return nlohmann::json::array({ci95->first, ci95->second});
}

std::string RateEstimate::text(int decimals, std::string_view unit) const {
  if (!ci95) return fmt::format("{:.{}f}{} ({} pass, no interval)", mean, decimals, unit, per_pass.size());
  return fmt::format("{:.{}f}{} (within-run 95% t interval {:.{}f}–{:.{}f}, {} passes)", mean, decimals, unit, ci95->first, decimals, ci95->second,
                     decimals, per_pass.size());
}

ItemRate item_rate(std::vector<double> seconds_each) { return {estimate(std::move(seconds_each))}; }

nlohmann::json ItemRate::rate_ci95() const {
  if (!seconds.ci95) return nullptr;
  const auto [low, high] = *seconds.ci95;
  return nlohmann::json::array({1 / high, low > 0 ? nlohmann::json(1 / low) : nlohmann::json(nullptr)});
}

nlohmann::json ItemRate::cost_ci95(double items, double unit_seconds) const {
  if (!seconds.ci95) return nullptr;
  const auto [low, high] = *seconds.ci95;
  return nlohmann::json::array({low > 0 ? nlohmann::json(items * low / unit_seconds) : nlohmann::json(nullptr), items * high / unit_seconds});
}

std::string ItemRate::text(int decimals) const {
  if (!seconds.ci95) return fmt::format("{:.{}f} (one timed item, no interval)", rate(), decimals);
  const auto ci = rate_ci95();
  return fmt::format("{:.{}f} (within-run 95% t interval {:.{}f}–{}, from {} timed items)", rate(), decimals, ci[0].get<double>(), decimals,
                     ci[1].is_null() ? std::string("unbounded") : fmt::format("{:.{}f}", ci[1].get<double>(), decimals), seconds.per_pass.size());
}

}  // namespace doormat::attacks::live
