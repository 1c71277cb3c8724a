#include "vector_file.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "escrow/wire.hpp"

namespace escrow::vectors {
namespace {
constexpr std::string_view kFn = "vectors::parse";
constexpr std::size_t kMaxLine = 1 << 20;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
}  // namespace

Result<std::string> Vector::text(const std::string& name) const {
  auto it = fields.find(name);
  if (it == fields.end()) return fail(ErrorCategory::malformed, "vectors::Vector", fmt::format("line {}: no field '{}'", line, name));
  return it->second;
}

Result<std::vector<uint8_t>> Vector::hex(const std::string& name) const {
  auto t = text(name);
  if (!t) return escrow::unexpected(t.error());
  return wire::from_hex(*t);
}

Result<std::vector<std::vector<uint8_t>>> Vector::hex_list(const std::string& name) const {
  auto t = text(name);
  if (!t) return escrow::unexpected(t.error());
  std::vector<std::vector<uint8_t>> out;
  std::string_view rest = *t;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto item = wire::from_hex(trim(rest.substr(0, comma)));
    if (!item) return escrow::unexpected(item.error());
    out.push_back(std::move(*item));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

Result<uint64_t> Vector::number(const std::string& name) const {
  auto t = text(name);
  if (!t) return escrow::unexpected(t.error());
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
  if (ec != std::errc() || end != t->data() + t->size())
    return fail(ErrorCategory::malformed, "vectors::Vector", fmt::format("line {}: '{}' is not a number", line, name));
  return v;
}

Result<std::vector<Vector>> parse(std::string_view contents) {
  std::vector<Vector> out;
  int lineno = 0;
  while (!contents.empty()) {
    const auto nl = contents.find('\n');
    std::string_view line = contents.substr(0, nl);
    contents.remove_prefix(nl == std::string_view::npos ? contents.size() : nl + 1);
    ++lineno;
    if (line.size() > kMaxLine) return fail(ErrorCategory::malformed, kFn, fmt::format("line {} too long", lineno));
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line == "[Valid]" || line == "[Invalid]") {
      out.push_back(Vector{line == "[Valid]", lineno, {}});
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail(ErrorCategory::malformed, kFn, fmt::format("line {}: expected 'name = value'", lineno));
    if (out.empty()) return fail(ErrorCategory::malformed, kFn, fmt::format("line {}: field before any [Valid]/[Invalid]", lineno));
    const std::string key(trim(line.substr(0, eq)));
    if (key.empty()) return fail(ErrorCategory::malformed, kFn, fmt::format("line {}: empty field name", lineno));
    if (!out.back().fields.emplace(key, std::string(trim(line.substr(eq + 1)))).second)
      return fail(ErrorCategory::malformed, kFn, fmt::format("line {}: field '{}' repeated", lineno, key));
  }
  return out;
}

Result<std::vector<Vector>> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCategory::malformed, "vectors::read_file", "cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str());
}

std::string category_name(ErrorCategory c) {
  switch (c) {
    case ErrorCategory::malformed: return "malformed";
    case ErrorCategory::invalid_proof: return "invalid_proof";
    case ErrorCategory::not_enough_shares: return "not_enough_shares";
    case ErrorCategory::policy_denied: return "policy_denied";
    case ErrorCategory::decryption_failed: return "decryption_failed";
    case ErrorCategory::internal: return "internal";
  }
  return "?";
}

}  // namespace escrow::vectors
