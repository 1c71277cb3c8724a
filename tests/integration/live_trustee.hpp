#pragma once
// Helpers for integration tests that drive the real escrow-authority binary and trustee processes.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "files.hpp"
#include "process.hpp"

namespace doormat {
namespace fs = std::filesystem;

inline const std::string kBin = DOORMAT_AUTHORITY_BIN;

inline uint64_t now() { return static_cast<uint64_t>(std::time(nullptr)); }

inline std::string sh(const std::vector<std::string>& args, const std::string& cwd) {
  std::vector<std::string> argv = {kBin};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto here = fs::current_path();
  fs::current_path(cwd);
  auto r = process::run(argv);
  fs::current_path(here);
  EXPECT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 0) << fmt::format("{}: {}", fmt::join(args, " "), r->err);
  return r->out;
}

// One trustee process and everything needed to talk to it.
struct TrusteeProcess {
  std::string dir, db, pass, url;
  int index = 0;
  pid_t pid = 0;

  void start() {
    fs::remove(dir + "/port");
    pid = process::spawn({kBin, "trustee", "serve", "--db", db, "--passphrase-file", pass, "--port", "0", "--port-file", dir + "/port"},
                         dir + "/log.txt").value();
    for (int i = 0; i < 200 && !fs::exists(dir + "/port"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto port = files::read_text(dir + "/port").value();
    url = "http://127.0.0.1:" + port.substr(0, port.find('\n'));
  }
  void kill(int sig) {
    // A trustee that does not stop on SIGTERM is a failure of its own, not a hung test.
    if (pid > 0) {
      EXPECT_TRUE(process::stop(pid, sig)) << "trustee " << index << " did not stop on signal " << sig << " within 30 s: killed";
    }
    pid = 0;
  }
};


}  // namespace doormat
