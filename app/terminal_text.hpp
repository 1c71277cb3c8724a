#pragma once
// Text that others chose (a message body, a warrant's names), made safe to print on a terminal.
#include <string>
#include <string_view>

namespace doormat::terminal_text {

/// `text` with every byte a terminal could act on shown as \xHH instead: C0 controls other than
/// newline and tab, DEL, C1 controls (U+0080..U+009F), and bytes that are not valid UTF-8. Other
/// UTF-8 is kept, so messages in any script read as written. (Account names, where a look-alike
/// letter must not hide, go through account_name::printable instead.)
[[nodiscard]] std::string shown(std::string_view text);

}  // namespace doormat::terminal_text
