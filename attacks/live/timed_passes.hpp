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

/// `1 / rate` scaled, with the interval inverted: what a quantity that costs `work / rate` costs at
/// the interval's ends (the high rate gives the low cost; a low end at or below 0 gives no bound).
[[nodiscard]] nlohmann::json inverse_ci95(const RateEstimate& r, double work);

}  // namespace doormat::attacks::live
