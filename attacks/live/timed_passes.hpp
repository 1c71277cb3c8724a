#pragma once
// A rate measured in several timed passes within one run, reported as the mean of the per-pass
// rates with a 95% interval from Student's t (n - 1 degrees of freedom). The passes run one after
// another on one core, so the interval covers the load's drift during the run, not between days.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace doormat::attacks::live {

inline constexpr std::string_view kIntervalMethod = "Student t, 95%, n - 1 degrees of freedom, over the per-pass rates";
inline constexpr std::string_view kItemIntervalMethod =
    "Student t, 95%, n - 1 degrees of freedom, over the per-guess times; the rate and costs are that interval inverted and scaled";

struct RateEstimate {
  std::vector<double> per_pass;                    ///< the rate each timed pass measured
  double mean = 0;                                 ///< their mean
  std::optional<std::pair<double, double>> ci95;   ///< nullopt with fewer than two passes
  /// The interval as JSON ([low, high], or null).
  [[nodiscard]] nlohmann::json ci95_json() const;
  /// "92.1/s (95% t interval 85.0–99.2, 5 passes)", with `decimals` after the point.
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
  /// "7.28 (95% t interval 6.10–9.02, from 12 timed items)".
  [[nodiscard]] std::string text(int decimals) const;
};

[[nodiscard]] ItemRate item_rate(std::vector<double> seconds_each);

}  // namespace doormat::attacks::live
