#pragma once
// Narrated output for the demos: numbered steps (bold on a terminal, plain when piped) and
// indented lines; silent when the caller wants only the JSON summary. NO_COLOR (no-color.org),
// set to anything but the empty string, keeps the steps plain on a terminal too.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

#include <string_view>

namespace doormat::authority {

class Narrator {
 public:
  explicit Narrator(bool quiet) : quiet_(quiet) {}
  template <typename... Args>
  void say(fmt::format_string<Args...> f, Args&&... args) {
    if (!quiet_) fmt::print("{}\n", fmt::format(f, std::forward<Args>(args)...));
  }
  void step(std::string_view title) {
    if (quiet_) return;
    const char* no_color = std::getenv("NO_COLOR");
    if (isatty(STDOUT_FILENO) && (no_color == nullptr || *no_color == '\0')) fmt::print("\n\033[1m{}. {}\033[0m\n", ++n_, title);
    else fmt::print("\n{}. {}\n", ++n_, title);
  }

 private:
  bool quiet_;
  int n_ = 0;
};

}  // namespace doormat::authority
