#pragma once
/// Shamir secret sharing over the ristretto255 scalar field, and Lagrange interpolation
/// (SPEC §4.1). Share i is f(i) for a random polynomial f of degree k-1 with f(0) = secret.
/// Coefficients and shares are secret; party indices and Lagrange coefficients are public.
#include <span>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/group.hpp"
#include "escrow/party.hpp"
#include "escrow/rng.hpp"

namespace escrow::shamir {

struct Share {
  PartyIndex index;
  group::Scalar value;  ///< secret
};

/// sum_j coefficients[j] x^j by Horner's rule, constant time (the coefficients may be secret).
[[nodiscard]] group::Scalar evaluate(std::span<const group::Scalar> coefficients, const group::Scalar& x);

class Polynomial {
 public:
  /// f(x) = secret + a_1 x + ... + a_degree x^degree with uniform a_j.
  [[nodiscard]] static Polynomial random(const group::Scalar& secret, std::size_t degree, Rng& rng);
  [[nodiscard]] group::Scalar evaluate(const group::Scalar& x) const;  ///< Horner, constant time
  [[nodiscard]] const std::vector<group::Scalar>& coefficients() const { return coefficients_; }

 private:
  explicit Polynomial(std::vector<group::Scalar> c) : coefficients_(std::move(c)) {}
  std::vector<group::Scalar> coefficients_;
};

/// Splits `secret` into n shares, any k of which rebuild it. Requires 1 <= k <= n <= 255.
[[nodiscard]] Result<std::vector<Share>> split(const group::Scalar& secret, std::size_t k,
                                               std::size_t n, Rng& rng);

/// lambda_i(at) = prod_{j != i} (at - j) / (i - j) for every i in `indices`, with one field
/// inversion for the whole set (batch inversion). Refuses an empty set and duplicate indices.
[[nodiscard]] Result<std::vector<group::Scalar>> lagrange_coefficients(
    std::span<const PartyIndex> indices, const group::Scalar& at = group::Scalar());

/// f(0) from exactly the given shares (all of them are used; pass k of them).
[[nodiscard]] Result<group::Scalar> reconstruct(std::span<const Share> shares);

/// sum lambda_i(at) * points_i: interpolation "in the exponent" (SPEC §4.1).
[[nodiscard]] Result<group::Point> interpolate_in_exponent(std::span<const PartyIndex> indices,
                                                           std::span<const group::Point> points,
                                                           const group::Scalar& at = group::Scalar());

[[nodiscard]] inline group::Scalar to_scalar(PartyIndex i) { return group::Scalar::from_u64(i.value()); }

}  // namespace escrow::shamir
