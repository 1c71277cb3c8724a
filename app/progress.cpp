#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace doormat::progress {

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

bool colour_allowed() {
  const char* no_color = std::getenv("NO_COLOR");
  return no_color == nullptr || *no_color == '\0';
}

std::string duration_text(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {:02} s", s / 60, s % 60);
  return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
}

std::string line(std::string_view stage, std::size_t done, std::size_t total, double elapsed_seconds, bool bold) {
  const std::string name = bold ? fmt::format("\033[1m{}\033[0m", stage) : std::string(stage);
  done = std::min(done, total);
  if (total == 0) return fmt::format("{}: {} so far", name, duration_text(elapsed_seconds));
  const auto percent = static_cast<unsigned>(100.0 * static_cast<double>(done) / static_cast<double>(total));
  // Nothing done yet gives no rate to extrapolate from: the time so far, not a guess.
  const std::string time = done == 0 ? duration_text(elapsed_seconds) + " so far"
                           : done == total
                               ? "done in " + duration_text(elapsed_seconds)
                               : "about " + duration_text(elapsed_seconds / static_cast<double>(done) * static_cast<double>(total - done)) + " left";
  return fmt::format("{}: {}/{} ({}%), {}", name, done, total, percent, time);
}

Progress::Progress(bool enabled, std::FILE* out) : enabled_(enabled), out_(out), bold_(colour_allowed()) {}

Progress::~Progress() { clear(); }

void Progress::stage(std::string name, std::size_t total) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  stage_ = std::move(name);
  done_ = 0;
  total_ = total;
  started_ = std::chrono::steady_clock::now();
  draw(true);
}

void Progress::advance(std::size_t n) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  done_ += n;
  draw(done_ >= total_);
}

void Progress::clear() {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  if (!shown_) return;
  // Carriage return and erase-in-line (a cursor control, not a colour: NO_COLOR leaves it).
  fmt::print(out_, "\r\033[K");
  std::fflush(out_);
  shown_ = false;
}

void Progress::draw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && shown_ && now - drawn_ < std::chrono::milliseconds(100)) return;
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  fmt::print(out_, "\r\033[K{}", line(stage_, done_, total_, elapsed, bold_));
  std::fflush(out_);
  drawn_ = now;
  shown_ = true;
}

}  // namespace doormat::progress
