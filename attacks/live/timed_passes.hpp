#pragma once
// A rate measured in several timed passes within one run, reported as the mean of the per-pass
// rates with a within-run 95% interval from Student's t (n - 1 degrees of freedom). The passes run
// back to back on one thread, so they are autocorrelated and the interval covers only this run's
// spread: the spread between runs (another day, another load) is larger, and no interval here
// claims to cover it. Per-core figures are timed on the thread's CPU clock (thread_cpu_seconds).
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace doormat::attacks::live {

inline constexpr std::string_view kIntervalMethod =
    "within-run Student t, 95%, n - 1 degrees of freedom, over the per-pass rates of one run (passes back to back; the spread "
    "between runs differs)";
inline constexpr std::string_view kItemIntervalMethod =
    "within-run Student t, 95%, n - 1 degrees of freedom, over the per-guess times of one run; the rate and costs are that interval "
    "inverted and scaled (the spread between runs differs)";
inline constexpr std::string_view kThreadClock = "CLOCK_THREAD_CPUTIME_ID (this thread's CPU time; per core)";

/// This thread's CPU time in seconds (CLOCK_THREAD_CPUTIME_ID): what one core spent on this thread,
/// whatever else the machine runs. Per-core rates and core-hours are timed with it.
[[nodiscard]] double thread_cpu_seconds();
/// The machine's 1-minute load average (getloadavg), recorded beside every measured figure; -1 if unknown.
[[nodiscard]] double load_average_1min();

struct RateEstimate {
  std::vector<double> per_pass;                    ///< the rate each timed pass measured
  double mean = 0;                                 ///< their mean
  std::optional<std::pair<double, double>> ci95;   ///< nullopt with fewer than two passes
  /// The interval as JSON ([low, high], or null).
  [[nodiscard]] nlohmann::json ci95_json() const;
  /// "92.1/s (within-run 95% t interval 85.0–99.2, 5 passes)", with `decimals` after the point.
  [[nodiscard]] std::string text(int decimals, std::string_view unit) const;
};

/// Student's t 0.975 quantile for `dof` degrees of freedom (dof >= 1): exact table to 30, then the
/// Cornish–Fisher expansion (relative error below 1e-4 from 30 on).
[[nodiscard]] double student_t975(std::size_t dof);

/// The mean and 95% t interval of `per_pass` (empty: mean 0, no interval).
[[nodiscard]] RateEstimate estimate(std::vector<double> per_pass);

/// A rate measured from items timed one by one (one Argon2id guess each). The mean and its 95% t
/// interval are taken on the per-item time, and the rate is their inverse: the mean of per-item rates
/// would overstate a rate whose items' times vary (Jensen), and n items cost n times the mean time.
struct ItemRate {
  RateEstimate seconds;  ///< seconds per item: the samples, their mean and interval
  [[nodiscard]] double rate() const { return seconds.mean > 0 ? 1 / seconds.mean : 0; }
  /// [1 / high, 1 / low] (the low time's end null, unbounded, when the time interval reaches 0); null with one item.
  [[nodiscard]] nlohmann::json rate_ci95() const;
  /// `items` items' time in units of `unit_seconds`, the interval likewise (its low end null when the time interval reaches 0).
  [[nodiscard]] nlohmann::json cost_ci95(double items, double unit_seconds) const;
  /// "7.28 (within-run 95% t interval 6.10–9.02, from 12 timed items)".
  [[nodiscard]] std::string text(int decimals) const;
};

[[nodiscard]] ItemRate item_rate(std::vector<double> seconds_each);

}  // namespace doormat::attacks::live
