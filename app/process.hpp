#pragma once
// Running the project's own commands as child processes: the demo and the integration tests
// drive real processes, not function calls.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "escrow/error.hpp"

namespace doormat::process {

struct Output {
  int status = 0;  ///< exit code, or 128 + signal
  std::string out;
  std::string err;
};

/// Runs argv[0] with the arguments, waits, and returns its exit status and output.
[[nodiscard]] escrow::Result<Output> run(const std::vector<std::string>& argv);
/// Starts argv in the background with stdout and stderr appended to `log_path`.
[[nodiscard]] escrow::Result<pid_t> spawn(const std::vector<std::string>& argv, const std::string& log_path);
/// Runs argv in folder `cwd` (restoring ours after) and says whether it exited 0.
[[nodiscard]] bool run_in(const std::string& cwd, const std::vector<std::string>& argv);
/// Sends `signal` and waits for the child to exit, for at most `patience`; past it the child is
/// killed (SIGKILL) and waited for, so a child that ignores or hangs on `signal` cannot hang its
/// parent. Returns false when it had to be killed.
bool stop(pid_t pid, int signal, std::chrono::milliseconds patience = std::chrono::seconds(30));
/// The directory holding the running executable (for finding sibling programs).
[[nodiscard]] std::string self_dir();

}  // namespace doormat::process
