#include "account_name.hpp"

#include <fmt/format.h>

namespace doormat::account_name {
namespace {

bool letter_or_digit(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool allowed(unsigned char c) { return letter_or_digit(c) || c == '.' || c == '-' || c == '_'; }

}  // namespace

escrow::Result<void> check(std::string_view name) {
  constexpr std::string_view fn = "account_name::check";
  auto refuse = [&](const std::string& why) {
    return escrow::fail(escrow::ErrorCategory::malformed, fn, fmt::format("'{}' is not an account name: {} ({})", printable(name), why, kRule));
  };
  if (name.empty()) return refuse("it is empty");
  if (name.size() > kMaxBytes) return refuse(fmt::format("it is {} bytes long", name.size()));
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (!allowed(c))
      return refuse(c >= 0x21 && c < 0x7f ? fmt::format("byte {} is '{}'", i + 1, static_cast<char>(c))
                                          : fmt::format("byte {} is 0x{:02x}", i + 1, c));
  }
  if (!letter_or_digit(static_cast<unsigned char>(name.front()))) return refuse("it does not start with a letter or a digit");
  return {};
}

bool valid(std::string_view name) { return check(name).has_value(); }

std::string printable(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (const unsigned char c : name) {
    if (c == '\\') out += "\\\\";
    else if (c >= 0x21 && c < 0x7f) out += static_cast<char>(c);
    else out += fmt::format("\\x{:02x}", c);
  }
  return out;
}

}  // namespace doormat::account_name
