// app/terminal_text: what others chose, printed so a terminal shows it and obeys none of it.
#include "terminal_text.hpp"

#include <gtest/gtest.h>

namespace {
using doormat::terminal_text::shown;

TEST(TerminalText, ControlBytesAreShownAndTextInAnyScriptIsKept) {
  EXPECT_EQ(shown("plain text\nline two\ttab"), "plain text\nline two\ttab");
  EXPECT_EQ(shown("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(shown(std::string("a\0b\x7f\r", 5)), "a\\x00b\\x7f\\x0d");
  EXPECT_EQ(shown("caf\xc3\xa9 \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xe2\x82\xac \xf0\x9f\x94\x91"),
            "caf\xc3\xa9 \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xe2\x82\xac \xf0\x9f\x94\x91");  // é, Cyrillic, €, an emoji
}

TEST(TerminalText, C1ControlsAndInvalidUtf8AreShownByteByByte) {
  EXPECT_EQ(shown("\xc2\x9b" "2J"), "\\xc2\\x9b2J");        // U+009B, CSI in a C1-aware terminal
  EXPECT_EQ(shown("\x9b" "2J"), "\\x9b2J");                 // a bare 8-bit CSI: not UTF-8
  EXPECT_EQ(shown("\xc0\xaf"), "\\xc0\\xaf");               // an overlong '/'
  EXPECT_EQ(shown("\xed\xa0\x80"), "\\xed\\xa0\\x80");      // a surrogate
  EXPECT_EQ(shown("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(shown("\xe2\x82"), "\\xe2\\x82");               // cut short
  EXPECT_EQ(shown("\xc2\xa0"), "\xc2\xa0");                 // U+00A0 is not a control
}

}  // namespace
