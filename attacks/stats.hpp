#pragma once
// The interval arithmetic every attack report uses, in one place: Wilson score intervals for
// proportions (sessions opened out of n, hits out of runs), Student's t intervals for means of
// repeated timings, and the chi-square and geometric quantiles behind leaf-forgery's intervals.
// All intervals are 95% and describe one run's sampling spread only: another machine, load or
// day varies more, and no interval here claims to cover that.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace doormat::attacks::stats {

/// The standard normal's 0.975 quantile.
inline constexpr double kZ975 = 1.959963984540054;

inline constexpr std::string_view kWilsonMethod = "Wilson score interval, 95%, of the proportion counted in this run";
inline constexpr std::string_view kTimeMethod =
    "within-run Student t, 95%, n - 1 degrees of freedom, over the per-item CPU times of this run; the rate is that interval "
    "inverted (the spread between runs differs)";

struct Interval {
  double low = 0, high = 0;
  [[nodiscard]] nlohmann::json json() const { return nlohmann::json::array({low, high}); }
};

/// Wilson score 95% interval of `k` successes in `n` trials (k <= n); [0, 1] when n = 0. Unlike the
/// normal (Wald) interval it stays inside [0, 1] and is not empty at 0 of n or n of n.
[[nodiscard]] Interval wilson95(std::size_t k, std::size_t n);

/// Student's t 0.975 quantile for `dof` degrees of freedom (dof >= 1): exact table to 30, then the
/// Cornish–Fisher expansion (relative error below 1e-4 from 30 on).
[[nodiscard]] double student_t975(std::size_t dof);

/// The mean of samples with its 95% Student t interval (n - 1 degrees of freedom); no interval from
/// fewer than two samples.
struct Mean {
  std::size_t n = 0;
  double mean = 0;
  std::optional<Interval> ci95;
};
[[nodiscard]] Mean t_interval95(std::span<const double> samples);

/// A cost per unit pooled over items of unequal size (seconds y_i over trials x_i): R = sum y / sum x,
/// with the ratio estimator's 95% Student t interval, R -+ t(n - 1) * sqrt(sum (y_i - R x_i)^2 / (n - 1))
/// / (sqrt(n) * mean x). No interval from fewer than two items or with no units counted.
inline constexpr std::string_view kRatioMethod =
    "within-run Student t, 95%, n - 1 degrees of freedom, of the ratio estimator sum(seconds) / sum(trials) over the "
    "sessions timed in this run (the spread between runs differs)";
[[nodiscard]] Mean ratio_t_interval95(std::span<const double> ys, std::span<const double> xs);

/// A rate from items timed one by one: 1 / (mean time per item), with the t interval of the mean
/// time inverted, [1 / high, 1 / low] (high null, unbounded, when the time interval reaches 0), times
/// `scale` (e.g. the share of items that succeeded, for "sessions opened per second").
struct Rate {
  Mean seconds;  ///< per item
  double scale = 1;
  [[nodiscard]] double value() const { return seconds.mean > 0 ? scale / seconds.mean : 0; }
  /// [low, high] (high null when unbounded), or null with fewer than two items.
  [[nodiscard]] nlohmann::json ci95_json() const;
  /// "(95% t interval 812–845, 100 timed items)" or "(one timed item, no interval)".
  [[nodiscard]] std::string interval_text() const;
};
[[nodiscard]] Rate item_rate(std::span<const double> seconds_each, double scale = 1);

/// Puts the proportion k / n in `metrics` the way every report does: `key` the value, `key_ci95`
/// its Wilson interval [low, high] and `key_ci95_method` how it was computed.
void put_proportion(nlohmann::json& metrics, const std::string& key, std::size_t k, std::size_t n);
/// "12 of 12 (95% Wilson interval 0.758–1.000)".
[[nodiscard]] std::string proportion_text(std::size_t k, std::size_t n);

/// Chi-square quantile at standard-normal quantile z for `dof` degrees of freedom, by Wilson–Hilferty
/// (error below 1e-3 relative at dof >= 16).
[[nodiscard]] double chi2_quantile(double dof, double z);
/// Two-sided p-value of an observed chi-square statistic x with `dof` degrees of freedom (Wilson–Hilferty).
[[nodiscard]] double chi2_two_sided_p(double x, double dof);
/// The smallest m with P(T <= m) >= q for T geometric (trials to a first success) with success probability p.
[[nodiscard]] double geometric_quantile(double q, double p);

}  // namespace doormat::attacks::stats
