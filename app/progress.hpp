#pragma once
// Progress of a long command (issue 16): its stage, a count and an estimate of the time left, on
// one line of standard error redrawn in place. Only when standard error is a terminal: piped or
// written to a file (a script, a test, CI) nothing is printed, so captured output stays what it
// was. NO_COLOR (no-color.org), set to anything but the empty string, keeps the stage name plain
// (it is bold otherwise). The estimate is a linear extrapolation of the stage so far: "about".
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace doormat::progress {

/// Standard error is a terminal (isatty): where progress is drawn.
[[nodiscard]] bool stderr_is_terminal();
/// NO_COLOR is unset or empty.
[[nodiscard]] bool colour_allowed();

/// "STAGE: DONE/TOTAL (P%), about T left" ("T so far" until something is done); the stage name in
/// bold when `bold`. Pure, for the tests.
[[nodiscard]] std::string line(std::string_view stage, std::size_t done, std::size_t total, double elapsed_seconds, bool bold);
/// A duration as a person reads it: "8 s", "2 min 05 s", "1 h 03 min".
[[nodiscard]] std::string duration_text(double seconds);

class Progress {
 public:
  /// Draws on `out` when `enabled`; by default on standard error when it is a terminal.
  explicit Progress(bool enabled = stderr_is_terminal(), std::FILE* out = stderr);
  ~Progress();  ///< clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Starts a stage of `total` steps; its clock starts now.
  void stage(std::string name, std::size_t total);
  /// `n` more steps of the stage done. Safe from several threads; redraws at most 10 times a second.
  void advance(std::size_t n = 1);
  /// Clears the line (before the command prints its result).
  void clear();

 private:
  void draw(bool force);  // mutex_ held

  bool enabled_;
  std::FILE* out_;
  bool bold_;
  std::mutex mutex_;
  std::string stage_;
  std::size_t done_ = 0, total_ = 0;
  std::chrono::steady_clock::time_point started_{}, drawn_{};
  bool shown_ = false;
};

}  // namespace doormat::progress
