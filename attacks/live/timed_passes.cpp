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

RateEstimate estimate(std::vector<double> per_pass) {
  RateEstimate r;
  r.per_pass = std::move(per_pass);
  const auto m = stats::t_interval95(r.per_pass);  // the interval arithmetic: attacks/stats.cpp
  r.mean = m.mean;
  if (m.ci95) r.ci95 = std::pair{m.ci95->low, m.ci95->high};
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
