// The charts' SVG, without a browser (tests/attacks/charts_in_chromium.sh measures the laid-out
// boxes): tick labels of counts are integers, log ticks are plain powers of ten, bars stay inside
// the plotting area, intervals and extrapolated values are drawn and keyed.
#include <gtest/gtest.h>

#include <regex>

#include "report.hpp"

namespace doormat::attacks {
namespace {

std::vector<std::string> all(const std::string& svg, const std::string& pattern) {
  std::vector<std::string> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it) out.push_back((*it)[1].str());
  return out;
}
std::vector<std::string> ticks(const std::string& svg, char axis) {
  return all(svg, std::string(R"(<text class="tick-)") + axis + R"("[^>]*>([^<]*)</text>)");
}
double attr(const std::string& tag, const std::string& name) {
  std::smatch m;
  const std::regex re(" " + name + R"~(="([-0-9.]+)")~");
  EXPECT_TRUE(std::regex_search(tag, m, re)) << name << " in " << tag;
  return std::stod(m[1].str());
}

TEST(Charts, CountAxesHaveIntegerTicks) {
  Chart c{"runs per bucket", "bucket", "runs", false, false, true, {}, {}};
  c.series.push_back({"runs", {{8.2, 1}, {24.6, 3}, {41, 2}, {57.3, 5}, {90.1, 1}, {106, 4}, {139, 1}, {172, 1}, {188, 2}, {205, 1}}});
  const auto svg = to_svg(c);
  const auto ys = ticks(svg, 'y');
  ASSERT_GE(ys.size(), 2u);
  for (const auto& t : ys) EXPECT_TRUE(std::regex_match(t, std::regex("[0-9]+"))) << t;
  EXPECT_EQ(ys.front(), "0");
  Chart line{"epochs", "epoch", "opened (1) / held (0)", false, false, false, {}, {}};
  line.series.push_back({"a", {{1, 0}, {2, 0}, {3, 1}}});
  for (char axis : {'x', 'y'})
    for (const auto& t : ticks(to_svg(line), axis)) EXPECT_TRUE(std::regex_match(t, std::regex("[0-9]+"))) << axis << ": " << t;
}

TEST(Charts, LogTicksArePlainPowersOfTen) {
  Chart c{"cost", "t", "core-seconds", false, true, false, {}, {}};
  c.series.push_back({"model", {{4, 2e-4}, {20, 3.1}, {40, 5.62e3 * 1e9}}});
  const auto svg = to_svg(c);
  EXPECT_EQ(svg.find("e+"), std::string::npos);
  const auto ys = ticks(svg, 'y');
  ASSERT_GE(ys.size(), 4u);
  for (const auto& t : ys) EXPECT_TRUE(std::regex_match(t, std::regex(R"(0\.0*1|10*|10*k|10*M|10(⁻)?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"))) << t;
  Chart small{"rate", "design", "per second", false, true, true, {}, {"a", "b"}};
  small.series.push_back({"s", {{0, 120}, {1, 5620}}});
  const auto st = ticks(to_svg(small), 'y');
  EXPECT_NE(std::find(st.begin(), st.end(), "1000"), st.end());
  EXPECT_NE(std::find(st.begin(), st.end(), "10k"), st.end());
}

TEST(Charts, BarsAndIntervalsStayInsideThePlotArea) {
  Chart c{"P(bit = 0)", "protocol", "probability", false, false, true, {}, {"Joint-Feldman", "GJKR"}};
  Series s{"measured", {{0, 0.94}, {1, 0.52}}};
  s.intervals = {{0.86, 0.99}, {0.41, 0.63}};
  c.series = {s, Series{"unbiased", {{0, 0.5}, {1, 0.5}}}};
  const auto svg = to_svg(c);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex(R"(<rect class="plot-area"[^>]*>)")));
  const std::string area = m[0];
  const double top = attr(area, "y"), bottom = top + attr(area, "height");
  const auto bars = all(svg, R"((<rect class="bar"[^>]*>))");
  ASSERT_EQ(bars.size(), 4u);
  for (const auto& b : bars) {
    EXPECT_GE(attr(b, "y"), top - 1e-9) << b;
    EXPECT_LE(attr(b, "y") + attr(b, "height"), bottom + 1e-9) << b;
  }
  EXPECT_EQ(all(svg, R"((class="interval"))").size(), 2u);
  EXPECT_NE(svg.find("95% interval"), std::string::npos);
  EXPECT_EQ(all(svg, R"(<text class="value"[^>]*>([^<]*)</text>)").size(), 4u);  // few bars: each labelled
}

TEST(Charts, ExtrapolatedValuesAreDrawnDifferentlyAndKeyed) {
  Chart c{"seconds per forgery", "checksum bits", "seconds", false, true, true, {}, {}};
  Series s{"seconds per forgery", {{16, 0.2}, {24, 30}, {32, 7700}}};
  s.extrapolated = {false, true, true};
  c.series.push_back(s);
  const auto svg = to_svg(c);
  EXPECT_EQ(all(svg, R"((data-extrapolated="true"))").size(), 2u);
  EXPECT_NE(svg.find("extrapolated from a model, not measured"), std::string::npos);
  Chart l{"cost", "t", "s", false, true, false, {}, {}};
  Series measured{"measured", {{4, 1}, {6, 2}}}, model{"model", {{4, 1}, {6, 2}, {8, 4}}};
  model.extrapolated = {true, true, true};
  l.series = {measured, model};
  const auto lines = all(to_svg(l), R"((<polyline[^>]*>))");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("stroke-dasharray"), std::string::npos);  // the model, drawn first, dashed
  EXPECT_EQ(lines[1].find("stroke-dasharray"), std::string::npos);  // the measurement on top, solid
}

TEST(Charts, CoincidingLinesAreNotDrawnAlike) {
  Chart c{"epochs", "epoch", "opened", false, false, false, {}, {}};
  c.series = {Series{"no refresh", {{1, 0}, {2, 0}, {3, 1}}}, Series{"keeps old shares", {{1, 0}, {2, 0}, {3, 1}}}};
  const auto svg = to_svg(c);
  const auto widths = all(svg, R"~(<g class="series"[^>]*data-width="([0-9.]+)")~");
  const auto shapes = all(svg, R"~(<g class="series"[^>]*data-shape="([0-9]+)")~");
  ASSERT_EQ(widths.size(), 2u);
  EXPECT_NE(widths[0], widths[1]);
  EXPECT_NE(shapes[0], shapes[1]);
}

TEST(Charts, LongTitlesAndCategoriesWrapInsideThePicture) {
  Chart c{"tdh2-crumple: CPU time to decrypt a million sessions against the number of withheld bits t, by the attacker's own search", "design", "sessions per second", false, true, true, {},
          {"clipper", "naive-shamir", "threshold-elgamal", "tdh2", "tdh2-crumple", "another-rather-long-design-name"}};
  c.series.push_back({"s", {{0, 1e6}, {1, 7000}, {2, 3600}, {3, 3400}, {4, 800}, {5, 10}}});
  const auto svg = to_svg(c);
  EXPECT_GE(all(svg, R"~((<text class="title"))~").size(), 2u);
  for (const auto& t : ticks(svg, 'x')) EXPECT_LE(t.size(), 20u) << t;
}

}  // namespace
}  // namespace doormat::attacks
