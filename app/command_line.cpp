#include "command_line.hpp"

#include "iso_time.hpp"

namespace doormat::command_line {

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  return std::nullopt;
}

// A transform: CLI11 hands the text over, gets its seconds back as digits, and converts those.
CLI::Validator instant() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto t = iso_time::parse_instant(text);
        if (!t) return t.error().detail;
        text = std::to_string(*t);
        return {};
      },
      "ISO8601-TIME");
}

CLI::Validator duration() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto d = iso_time::parse_duration(text);
        if (!d) return d.error().detail;
        text = std::to_string(*d);
        return {};
      },
      "ISO8601-DURATION");
}

}  // namespace doormat::command_line
