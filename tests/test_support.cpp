#include "test_support.hpp"

#include <numeric>
#include <random>

namespace escrow::test {

std::vector<std::vector<std::size_t>> subsets(std::size_t n, std::size_t k, std::size_t limit, uint32_t seed) {
  // Count C(n, k) with a cap, to decide between enumeration and sampling.
  double count = 1;
  for (std::size_t i = 0; i < k; ++i) count = count * static_cast<double>(n - i) / static_cast<double>(i + 1);
  std::vector<std::vector<std::size_t>> out;
  if (count <= static_cast<double>(limit)) {
    std::vector<bool> pick(n, false);
    std::fill(pick.begin(), pick.begin() + static_cast<std::ptrdiff_t>(k), true);
    do {
      std::vector<std::size_t> s;
      for (std::size_t i = 0; i < n; ++i)
        if (pick[i]) s.push_back(i);
      out.push_back(std::move(s));
    } while (std::prev_permutation(pick.begin(), pick.end()));
    return out;
  }
  std::mt19937 gen(seed);  // test-only sampling of subsets, not key material
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  for (std::size_t t = 0; t < limit; ++t) {
    std::shuffle(all.begin(), all.end(), gen);
    out.emplace_back(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k));
  }
  return out;
}

}  // namespace escrow::test
