#include "escrow/shamir.hpp"

#include <algorithm>

namespace escrow::shamir {
using group::Point;
using group::Scalar;

Polynomial Polynomial::random(const Scalar& secret, std::size_t degree, Rng& rng) {
  std::vector<Scalar> c;
  c.reserve(degree + 1);
  c.push_back(secret);
  for (std::size_t j = 0; j < degree; ++j) c.push_back(Scalar::random(rng));
  return Polynomial(std::move(c));
}

Scalar evaluate(std::span<const Scalar> coefficients, const Scalar& x) {
  Scalar acc;
  for (auto it = coefficients.rbegin(); it != coefficients.rend(); ++it) acc = acc * x + *it;
  return acc;
}

Scalar Polynomial::evaluate(const Scalar& x) const { return shamir::evaluate(coefficients_, x); }

Result<std::vector<Share>> split(const Scalar& secret, std::size_t k, std::size_t n, Rng& rng) {
  if (k < 1 || k > n || n > PartyIndex::kMaxParties)
    return fail(ErrorCategory::malformed, "shamir::split", "need 1 <= k <= n <= 255");
  const auto f = Polynomial::random(secret, k - 1, rng);
  std::vector<Share> shares;
  shares.reserve(n);
  for (std::size_t i = 1; i <= n; ++i) {
    const auto index = *PartyIndex::make(static_cast<uint32_t>(i));
    shares.push_back(Share{index, f.evaluate(to_scalar(index))});
  }
  return shares;
}

Result<std::vector<Scalar>> lagrange_coefficients(std::span<const PartyIndex> indices, const Scalar& at) {
  if (indices.empty()) return fail(ErrorCategory::malformed, "shamir::lagrange_coefficients", "no indices");
  std::vector<PartyIndex> sorted(indices.begin(), indices.end());
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return fail(ErrorCategory::malformed, "shamir::lagrange_coefficients", "duplicate party index");

  // lambda_i = num_i / den_i with num_i = prod_{j!=i} (at - j), den_i = prod_{j!=i} (i - j).
  std::vector<Scalar> num(indices.size()), den(indices.size());
  for (std::size_t a = 0; a < indices.size(); ++a) {
    const Scalar xi = to_scalar(indices[a]);
    num[a] = Scalar::from_u64(1);
    den[a] = Scalar::from_u64(1);
    for (std::size_t b = 0; b < indices.size(); ++b) {
      if (a == b) continue;
      const Scalar xj = to_scalar(indices[b]);
      num[a] = num[a] * (at - xj);
      den[a] = den[a] * (xi - xj);
    }
  }
  auto inv = group::batch_invert(den);
  if (!inv) return fail(ErrorCategory::internal, "shamir::lagrange_coefficients", "distinct indices gave a zero denominator");
  for (std::size_t a = 0; a < indices.size(); ++a) num[a] = num[a] * (*inv)[a];
  return num;
}

Result<Scalar> reconstruct(std::span<const Share> shares) {
  std::vector<PartyIndex> indices;
  for (const auto& s : shares) indices.push_back(s.index);
  auto lambda = lagrange_coefficients(indices);
  if (!lambda) return escrow::unexpected(lambda.error());
  Scalar acc;
  for (std::size_t a = 0; a < shares.size(); ++a) acc = acc + (*lambda)[a] * shares[a].value;
  return acc;
}

Result<Point> interpolate_in_exponent(std::span<const PartyIndex> indices, std::span<const Point> points,
                                      const Scalar& at) {
  if (indices.size() != points.size())
    return fail(ErrorCategory::malformed, "shamir::interpolate_in_exponent", "indices and points differ in number");
  auto lambda = lagrange_coefficients(indices, at);
  if (!lambda) return escrow::unexpected(lambda.error());
  Point acc;
  for (std::size_t a = 0; a < points.size(); ++a) acc = acc + points[a] * (*lambda)[a];
  return acc;
}

}  // namespace escrow::shamir
