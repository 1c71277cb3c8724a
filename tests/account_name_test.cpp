// The account-name rule (SPEC §7.4 "Account names"; fourth outside test, F3): each look-alike of
// "bob" the test found is refused with the rule in the message, and printable() shows every byte
// that could hide.
#include "account_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace doormat::account_name {
namespace {

void expect_refused(const std::string& name, const std::string& why) {
  auto r = check(name);
  ASSERT_FALSE(r.has_value()) << printable(name) << " was accepted";
  EXPECT_EQ(r.error().category, escrow::ErrorCategory::malformed);
  EXPECT_NE(r.error().detail.find(std::string(kRule)), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
}

TEST(AccountName, AcceptsLowercaseAsciiLettersDigitsDotDashUnderscore) {
  for (const char* ok : {"bob", "alice", "b", "0", "carol.smith", "dave-2", "eve_3", "a.b-c_d9"}) EXPECT_TRUE(valid(ok)) << ok;
  EXPECT_TRUE(valid(std::string(64, 'x')));
}

TEST(AccountName, RefusesUppercaseBob) { expect_refused("Bob", "byte 1 is 'B'"); }
TEST(AccountName, RefusesATrailingSpace) { expect_refused("bob ", "byte 4 is 0x20"); }
TEST(AccountName, RefusesCyrillicO) { expect_refused("b\xd0\xbe" "b", "byte 2 is 0xd0"); }
TEST(AccountName, RefusesGreekOmicron) { expect_refused("b\xce\xbf" "b", "byte 2 is 0xce"); }
TEST(AccountName, RefusesAZeroWidthSpace) { expect_refused("bob\xe2\x80\x8b", "byte 4 is 0xe2"); }
TEST(AccountName, RefusesEmpty) { expect_refused("", "it is empty"); }
TEST(AccountName, RefusesSixtyFiveBytes) { expect_refused(std::string(65, 'x'), "it is 65 bytes long"); }
TEST(AccountName, RefusesALeadingDotDashOrUnderscore) {
  for (const char* bad : {".bob", "-bob", "_bob"}) expect_refused(bad, "does not start with a letter or a digit");
}
TEST(AccountName, RefusesOtherPunctuationAndControls) {
  expect_refused("bob@example", "byte 4 is '@'");
  expect_refused(std::string("bo\0b", 4), "byte 3 is 0x00");
  expect_refused("bob\x7f", "byte 4 is 0x7f");
}

TEST(AccountName, PrintableEscapesEveryByteThatCouldHide) {
  EXPECT_EQ(printable("bob"), "bob");
  EXPECT_EQ(printable("Bob"), "Bob");  // visible as it is
  EXPECT_EQ(printable("bob "), "bob\\x20");
  EXPECT_EQ(printable("b\xd0\xbe" "b"), "b\\xd0\\xbeb");
  EXPECT_EQ(printable("b\xce\xbf" "b"), "b\\xce\\xbfb");
  EXPECT_EQ(printable("bob\xe2\x80\x8b"), "bob\\xe2\\x80\\x8b");
  EXPECT_EQ(printable("a\\x20"), "a\\\\x20");  // a literal backslash cannot forge an escape
  EXPECT_EQ(printable(std::string("\0\n", 2)), "\\x00\\x0a");
}

}  // namespace
}  // namespace doormat::account_name
