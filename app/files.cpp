#include "files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace doormat::files {
using escrow::ErrorCategory;
using escrow::fail;

escrow::Result<std::vector<uint8_t>> read(const std::string& path) {
  if (path.empty()) return fail(ErrorCategory::malformed, "files::read", "no file was given (an option naming a file is missing)");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCategory::malformed, "files::read", "cannot read " + path + ": " + std::strerror(errno));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

escrow::Result<std::string> read_text(const std::string& path) {
  auto b = read(path);
  if (!b) return escrow::unexpected(b.error());
  return std::string(b->begin(), b->end());
}

escrow::Result<void> write(const std::string& path, std::span<const uint8_t> bytes, bool secret) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0) return fail(ErrorCategory::internal, "files::write", tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return fail(ErrorCategory::internal, "files::write", tmp + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0)
    return fail(ErrorCategory::internal, "files::write", path + ": " + std::strerror(errno));
  return {};
}

escrow::Result<void> write_text(const std::string& path, const std::string& text, bool secret) {
  return write(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}, secret);
}

}  // namespace doormat::files
