#pragma once
// What both programs' command lines share (issue 16): the one parse block (usage errors exit 2,
// --help and --version 0) and the options that read dates and durations in ISO 8601.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace doormat::command_line {

/// README "Exit codes": a usage error (unknown option, missing or malformed argument).
inline constexpr int kExitUsage = 2;

/// Parses argv into `app`. None: go on and run the command; a value: exit with it (CLI11 has
/// printed help, the version, or the usage error).
[[nodiscard]] std::optional<int> parse(CLI::App& app, int argc, char** argv);

/// For an option bound to a u64 of Unix seconds: the argument is an ISO 8601 date-time (or Unix
/// seconds) and becomes its seconds; anything else is a usage error naming an accepted form.
[[nodiscard]] CLI::Validator instant();
/// The same for a duration in seconds: P30D, PT1H, P1DT12H (or seconds).
[[nodiscard]] CLI::Validator duration();

}  // namespace doormat::command_line
