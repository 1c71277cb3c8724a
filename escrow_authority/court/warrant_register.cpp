#include "warrant_register.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "escrow/wire.hpp"
#include "files.hpp"

namespace doormat::authority::warrant_register {
namespace {

using escrow::ErrorCategory;
using nlohmann::json;
constexpr std::string_view kFn = "warrant register";
constexpr std::size_t kMaxLine = 64 * 1024;  // a warrant's fields are bounded far below this (SPEC §10.1)

escrow::Error damaged(const std::string& path, std::size_t line, const std::string& why) {
  return {ErrorCategory::malformed, std::string(kFn), fmt::format("{} is damaged at line {}: {}; refusing it", path, line, why)};
}

bool is_uint(const json& j, const char* key) { return j.contains(key) && j[key].is_number_unsigned(); }
bool is_text(const json& j, const char* key) { return j.contains(key) && j[key].is_string(); }
bool is_texts(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_array()) return false;
  for (const auto& e : j[key])
    if (!e.is_string()) return false;
  return true;
}

json to_json(const Entry& e) {
  return {{"v", 1},
          {"hash", escrow::wire::to_hex(e.hash)},
          {"id", e.id},
          {"case", e.case_reference},
          {"court", e.court},
          {"judges", e.judges},
          {"targets", e.targets},
          {"window", {e.window_start, e.window_end}},
          {"max_sessions", e.max_sessions},
          {"not_after", e.not_after},
          {"issued_at", e.issued_at}};
}

escrow::Result<Entry> from_json(const json& j) {
  auto bad = [](const char* why) { return escrow::fail(ErrorCategory::malformed, kFn, why); };
  if (!j.is_object() || !is_uint(j, "v") || j["v"].get<uint64_t>() != 1) return bad("not a version-1 entry");
  if (!is_text(j, "hash") || !is_text(j, "id") || !is_text(j, "case") || !is_text(j, "court") || !is_texts(j, "judges") ||
      !is_texts(j, "targets") || !is_uint(j, "max_sessions") || !is_uint(j, "not_after") || !is_uint(j, "issued_at"))
    return bad("a field is missing or of the wrong type");
  if (!j.contains("window") || !j["window"].is_array() || j["window"].size() != 2 || !j["window"][0].is_number_unsigned() ||
      !j["window"][1].is_number_unsigned())
    return bad("window is not two Unix times");
  Entry e;
  auto hash = escrow::wire::from_hex(j["hash"].get<std::string>());
  if (!hash || hash->size() != e.hash.size()) return bad("hash is not 32 bytes of hex");
  std::copy(hash->begin(), hash->end(), e.hash.begin());
  if (j["max_sessions"].get<uint64_t>() > UINT32_MAX) return bad("max_sessions out of range");
  e.id = j["id"].get<std::string>();
  e.case_reference = j["case"].get<std::string>();
  e.court = j["court"].get<std::string>();
  e.judges = j["judges"].get<std::vector<std::string>>();
  e.targets = j["targets"].get<std::vector<std::string>>();
  e.window_start = j["window"][0].get<uint64_t>();
  e.window_end = j["window"][1].get<uint64_t>();
  e.max_sessions = static_cast<uint32_t>(j["max_sessions"].get<uint64_t>());
  e.not_after = j["not_after"].get<uint64_t>();
  e.issued_at = j["issued_at"].get<uint64_t>();
  return e;
}

}  // namespace

std::string path_in(const std::string& court_dir) { return court_dir + "/register.jsonl"; }

escrow::Result<std::vector<Entry>> load(const std::string& path) {
  auto text = files::read_text(path);
  if (!text) return escrow::unexpected(text.error());
  std::vector<Entry> out;
  std::set<escrow::translog::Hash> seen;
  if (!text->empty() && text->back() != '\n') return escrow::unexpected(damaged(path, 0, "the last line has no newline (a torn append)"));
  std::size_t line = 0;
  for (std::size_t at = 0; at < text->size();) {
    ++line;
    const std::size_t end = text->find('\n', at);
    const std::string_view row(text->data() + at, end - at);
    at = end + 1;
    if (row.size() > kMaxLine) return escrow::unexpected(damaged(path, line, "line too long"));
    const json j = json::parse(row, nullptr, /*allow_exceptions=*/false);
    auto e = from_json(j);
    if (!e) return escrow::unexpected(damaged(path, line, e.error().detail));
    if (!seen.insert(e->hash).second) return escrow::unexpected(damaged(path, line, "a warrant hash entered twice"));
    out.push_back(std::move(*e));
  }
  return out;
}

escrow::Result<std::set<escrow::translog::Hash>> hashes(const std::string& path) {
  auto entries = load(path);
  if (!entries) return escrow::unexpected(entries.error());
  std::set<escrow::translog::Hash> out;
  for (const auto& e : *entries) out.insert(e.hash);
  return out;
}

escrow::Result<void> append(const std::string& path, const Entry& entry) {
  const bool is_new = !std::filesystem::exists(path);
  if (!is_new) {
    auto existing = load(path);
    if (!existing) return escrow::unexpected(existing.error());
    for (const auto& e : *existing)
      if (e.hash == entry.hash) return escrow::fail(ErrorCategory::policy_denied, kFn, "this warrant is already in the register");
  }
  const std::string line = to_json(entry).dump() + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return escrow::fail(ErrorCategory::internal, kFn, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  // One write of the whole line; a short one is an error (the torn line is refused by load()).
  const ssize_t n = ::write(fd, line.data(), line.size());
  const bool synced = n == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!synced) return escrow::fail(ErrorCategory::internal, kFn, fmt::format("cannot append to {}: {}", path, std::strerror(saved)));
  if (is_new) {
    // The new file's directory entry, durable too.
    const auto dir = std::filesystem::absolute(path).parent_path().string();
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
      (void)::fsync(dfd);
      ::close(dfd);
    }
  }
  return {};
}

}  // namespace doormat::authority::warrant_register
