#pragma once
// Account names (SPEC §7.4, "Account names"): the names a provider registers and escrow-client
// makes identities for. A label may carry any 1..255 bytes without control characters (SPEC §3.6),
// which lets `Bob`, `bob ` (trailing space), Cyrillic `bоb`, Greek `bοb` or `bob` + U+200B pass for
// bob on a screen while a warrant on "bob" covers none of them (fourth outside test, F3). An account
// name is therefore held to a set with no look-alikes: lowercase ASCII letters, digits, '.', '-',
// '_', 1..64 bytes, starting with a letter or a digit.
#include <string>
#include <string_view>

#include "escrow/error.hpp"

namespace doormat::account_name {

inline constexpr std::size_t kMaxBytes = 64;
/// The rule in words, as every refusal states it.
inline constexpr std::string_view kRule =
    "an account name is 1 to 64 of a-z 0-9 . - _ (lowercase ASCII), starting with a letter or a digit";

/// Refused (malformed, naming the rule and the offending byte) unless `name` follows the rule.
[[nodiscard]] escrow::Result<void> check(std::string_view name);
[[nodiscard]] bool valid(std::string_view name);

/// A name as a person may safely read it: printable ASCII other than '\' kept, every other byte
/// (space, controls, UTF-8 of look-alike letters, zero-width characters) as \xHH and '\' as \\, so
/// that nothing hides. For names from before the rule (older envelopes, older accounts).
[[nodiscard]] std::string printable(std::string_view name);

}  // namespace doormat::account_name
