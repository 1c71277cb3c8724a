// The court's register of issued warrants (SPEC §10.7): what append() writes, load() reads back,
// and every damage load() refuses — with append() refusing to grow a damaged file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "files.hpp"
#include "warrant_register.hpp"

namespace {
namespace reg = doormat::authority::warrant_register;
namespace fs = std::filesystem;

reg::Entry entry(uint8_t tag) {
  reg::Entry e;
  e.hash.fill(tag);
  e.id = "00112233445566778899aabbccddeeff";
  e.case_reference = "2026-CR-0042";
  e.court = "District Court";
  e.judges = {"jane"};
  e.targets = {"bob"};
  e.window_start = 100;
  e.window_end = 200;
  e.not_after = 300;
  e.issued_at = 50;
  e.max_sessions = 10;
  return e;
}

class Register : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("doormat-register-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    path = reg::path_in(dir.string());
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string text() { return doormat::files::read_text(path).value(); }
  void write(const std::string& t) { std::ofstream(path, std::ios::binary | std::ios::trunc) << t; }
  // Damage is refused by load() and append() both, and append() leaves the file as it was.
  void expect_refused(const std::string& damaged, const std::string& why) {
    write(damaged);
    auto loaded = reg::load(path);
    ASSERT_FALSE(loaded) << why;
    EXPECT_NE(loaded.error().detail.find("damaged"), std::string::npos) << loaded.error().detail;
    EXPECT_FALSE(reg::append(path, entry(9))) << why;
    EXPECT_EQ(text(), damaged) << why;
  }
  fs::path dir;
  std::string path;
};

TEST_F(Register, AppendedEntriesReadBackInOrder) {
  ASSERT_TRUE(reg::append(path, entry(1)));
  ASSERT_TRUE(reg::append(path, entry(2)));
  auto loaded = reg::load(path);
  ASSERT_TRUE(loaded) << loaded.error().message();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].hash, entry(1).hash);
  EXPECT_EQ((*loaded)[1].hash, entry(2).hash);
  EXPECT_EQ((*loaded)[1].judges, std::vector<std::string>{"jane"});
  EXPECT_EQ((*loaded)[1].window_end, 200u);
  EXPECT_EQ((*loaded)[1].max_sessions, 10u);
  EXPECT_EQ(reg::hashes(path).value().size(), 2u);
}

TEST_F(Register, AppendNeverRewritesEarlierLines) {
  ASSERT_TRUE(reg::append(path, entry(1)));
  const std::string first = text();
  ASSERT_TRUE(reg::append(path, entry(2)));
  EXPECT_EQ(text().substr(0, first.size()), first);
}

TEST_F(Register, MissingFileIsAnErrorForTheReader) { EXPECT_FALSE(reg::load(path)); }

TEST_F(Register, SameWarrantTwiceIsRefused) {
  ASSERT_TRUE(reg::append(path, entry(1)));
  const std::string before = text();
  EXPECT_FALSE(reg::append(path, entry(1)));
  EXPECT_EQ(text(), before);
}

TEST_F(Register, TornLastLineIsRefused) {
  ASSERT_TRUE(reg::append(path, entry(1)));
  const std::string good = text();
  expect_refused(good.substr(0, good.size() - 1), "no final newline");
}

TEST_F(Register, LineThatIsNotJsonIsRefused) {
  ASSERT_TRUE(reg::append(path, entry(1)));
  expect_refused(text() + "not json\n", "garbage line");
}

TEST_F(Register, OtherVersionIsRefused) {
  ASSERT_TRUE(reg::append(path, entry(1)));
  std::string t = text();
  t.replace(t.find("\"v\":1"), 5, "\"v\":2");
  expect_refused(t, "version 2");
}

TEST_F(Register, ShortHashIsRefused) {
  ASSERT_TRUE(reg::append(path, entry(1)));
  std::string t = text();
  t.replace(t.find("\"hash\":\"") + 8, 2, "");
  expect_refused(t, "31-byte hash");
}

TEST_F(Register, MissingFieldIsRefused) {
  ASSERT_TRUE(reg::append(path, entry(1)));
  std::string t = text();
  t.replace(t.find("\"issued_at\""), 11, "\"issued_on\"");
  expect_refused(t, "issued_at missing");
}

TEST_F(Register, WindowOfWrongShapeIsRefused) {
  ASSERT_TRUE(reg::append(path, entry(1)));
  std::string t = text();
  t.replace(t.find("\"window\":[100,200]"), 18, "\"window\":[100]");
  expect_refused(t, "one-element window");
}

TEST_F(Register, DuplicateHashInTheFileIsRefused) {
  ASSERT_TRUE(reg::append(path, entry(1)));
  expect_refused(text() + text(), "a line twice");
}

TEST_F(Register, EmptyFileIsAnEmptyRegister) {
  write("");
  auto loaded = reg::load(path);
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->empty());
}

}  // namespace
