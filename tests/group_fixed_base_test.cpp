// group::FixedBase (group.hpp): s·P from P's table is the plain s·P, byte for byte, under either
// backend, for random and edge-case inputs, and from several threads at once.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "escrow/group.hpp"
#include "escrow/rng.hpp"

namespace escrow::group {
namespace {

TEST(FixedBase, TableProductIsThePlainProduct) {
  DeterministicRng rng("fixed-base");
  std::vector<Point> bases = {Point::generator(), Point::generator_bar(), Point::identity()};
  for (int i = 0; i < 16; ++i) bases.push_back(Point::base_mul(Scalar::random(rng)));
  const Scalar minus_one = Scalar::from_u64(1).negate();  // L - 1: the longest scalar
  for (const auto& p : bases) {
    const FixedBase table(p);
    EXPECT_EQ(table.point().to_bytes(), p.to_bytes());
    for (const auto& s : {Scalar(), Scalar::from_u64(1), Scalar::from_u64(2), minus_one})
      EXPECT_EQ(table.mul(s).to_bytes(), (p * s).to_bytes());
    for (int j = 0; j < 16; ++j) {
      const Scalar s = Scalar::random(rng);
      ASSERT_EQ(table.mul(s).to_bytes(), (p * s).to_bytes());
    }
  }
}

TEST(FixedBase, CopiesAndThreadsShareOneTable) {
  DeterministicRng rng("fixed-base/threads");
  const Point p = Point::base_mul(Scalar::random(rng));
  const FixedBase table(p);
  std::vector<Scalar> scalars;
  for (int i = 0; i < 64; ++i) scalars.push_back(Scalar::random(rng));
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      const FixedBase copy = table;  // shares the table
      for (const auto& s : scalars) wrong[t] += copy.mul(s) == p * s ? 0 : 1;
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace escrow::group
