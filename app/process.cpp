#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <thread>

namespace doormat::process {
using escrow::ErrorCategory;
using escrow::fail;

namespace {
std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

void drain(int fd, std::string& into) {
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    into.append(buf.data(), static_cast<std::size_t>(n));
  }
}

int exit_status(int raw) { return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw); }
}  // namespace

escrow::Result<Output> run(const std::vector<std::string>& argv) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    return fail(ErrorCategory::internal, "process::run", std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) return fail(ErrorCategory::internal, "process::run", std::strerror(errno));
  if (pid == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    auto args = c_argv(argv);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  Output o;
  // Outputs here are small (JSON summaries); read stdout, then stderr.
  drain(out_pipe[0], o.out);
  drain(err_pipe[0], o.err);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  o.status = exit_status(raw);
  return o;
}

escrow::Result<pid_t> spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  const int log = ::open(log_path.c_str(), O_CREAT | O_APPEND | O_WRONLY | O_CLOEXEC, 0644);
  if (log < 0) return fail(ErrorCategory::internal, "process::spawn", log_path + ": " + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) return fail(ErrorCategory::internal, "process::spawn", std::strerror(errno));
  if (pid == 0) {
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    auto args = c_argv(argv);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(log);
  return pid;
}

bool run_in(const std::string& cwd, const std::vector<std::string>& argv) {
  const auto here = std::filesystem::current_path();
  std::filesystem::current_path(cwd);
  auto r = run(argv);
  std::filesystem::current_path(here);
  return r && r->status == 0;
}

bool stop(pid_t pid, int signal, std::chrono::milliseconds patience) {
  ::kill(pid, signal);
  const auto give_up = std::chrono::steady_clock::now() + patience;
  int raw = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &raw, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return true;  // exited (or not our child: nothing to wait for)
    if (std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  return false;
}

std::string self_dir() {
  std::array<char, PATH_MAX> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return ".";
  return std::filesystem::path(std::string(buf.data(), static_cast<std::size_t>(n))).parent_path().string();
}

}  // namespace doormat::process
