// escrow-attacks: list | run NAME | matrix. Text by default; --json for programs; --html FILE for people.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>

#include "escrow/schemes.hpp"
#include "live.hpp"
#include "progress.hpp"
#include "report.hpp"

namespace {
using namespace doormat::attacks;

// Before a run that may take minutes: can the report be written where it was asked for? The
// temporary file write_html renames is created and removed, so a missing directory or a read-only
// one fails now, not after the run.
bool writable(const std::string& path) {
  const std::string tmp = path + ".tmp";
  const bool existed = std::ifstream(tmp).good();
  const bool ok = std::ofstream(tmp, std::ios::binary | std::ios::app).good();
  if (ok && !existed) std::remove(tmp.c_str());
  return ok;
}

int write_html(const std::string& path, const std::string& page) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << page;
    if (!out.flush()) {
      fmt::print(stderr, "error: cannot write {}\n", tmp);
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {  // a crash never leaves half a report
    fmt::print(stderr, "error: cannot rename {} to {}\n", tmp, path);
    return 1;
  }
  fmt::print(stderr, "wrote {}\n", path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  CLI::App app{"Doormat attacks: each attack runs for real against five escrow designs and reports what it got.\n"
               "Verdicts: broken (plaintext obtained that should not be), held, detected (obtained, but an auditor\n"
               "sees it), n/a."};
  // --version answers alone; the program prints no colour, so NO_COLOR has nothing to turn off.
  app.set_version_flag("--version", std::string("escrow-attacks (Doormat) ") + DOORMAT_VERSION);
  app.require_subcommand(1);
  Options o;
  bool json = false, quiet = false;
  std::string html;
  auto common = [&](CLI::App* sub) {
    sub->add_flag("--quick", o.quick, "CI scale: fewer runs and sessions, smaller t (seconds, not minutes)");
    sub->add_option("--seed", o.seed, "seed of every random choice (timings still vary)")->capture_default_str();
    sub->add_option("--crumple-bits", o.crumple_bits, "tdh2-crumple's withheld bits t (default 10 quick, 16 full)")
        ->check(CLI::Range(1, 32));
    sub->add_flag("--json", json, "print JSON instead of text");
    sub->add_option("--html", html, "also write a self-contained HTML report to FILE");
    sub->add_flag("-q,--quiet", quiet, "no progress lines on stderr");
  };
  auto* list = app.add_subcommand("list", "list the attacks");
  list->add_flag("--json", json, "print JSON");
  auto* run_cmd = app.add_subcommand("run", "run one attack against every design");
  std::string name;
  run_cmd->add_option("name", name, "attack name (see list)")->required();
  common(run_cmd);
  auto* matrix = app.add_subcommand("matrix", "run every attack against every design and print the table");
  common(matrix);
  doormat::attacks::live::LiveOptions lo;
  auto* live = app.add_subcommand("live", "attack a real deployment: the folder `./scripts/demo --workdir DIR` left "
                                          "(restarts the trustee processes it needs, and stops them)");
  live->add_option("--workdir", lo.workdir, "the demo's folder (with its ground_truth.json)")->required()->check(CLI::ExistingDirectory);
  live->add_option("--stolen", lo.stolen, "trustees whose files and passphrases the quorum scenario steals (default: k)")
      ->check(CLI::Range(1, 255));
  live->add_option("--dictionary", lo.dictionary, "passphrase guesses, one a line (default: generated guesses)")->check(CLI::ExistingFile);
  live->add_option("--guesses", lo.guesses, "generated guesses timed without --dictionary")->capture_default_str()->check(CLI::Range(1, 100000));
  live->add_option("--authority-bin", lo.authority_bin, "the escrow-authority program (default: the build tree's)");
  live->add_option("--only", lo.only, "run only this scenario (repeat for several; names as the report's attack column)")
      ->check([](const std::string& scenario) {
        const auto& names = doormat::attacks::live::scenario_names();
        return std::find(names.begin(), names.end(), scenario) != names.end() ? std::string() : "no live scenario named " + scenario;
      });
  // Test variants (tests/attacks/live.sh): each weakens the defence so a computed verdict must move.
  live->add_flag("--variant-register-lists-forged", lo.variant.register_lists_forged,
                 "test variant: the stolen-judge scenario also enters its forged warrant in the court's register (changes the folder)");
  live->add_flag("--variant-fresh-auditor", lo.variant.fresh_auditor,
                 "test variant: the log rewrite is judged by an auditor who never recorded a head");
  live->add_flag("--variant-crl-unseen", lo.variant.crl_unseen,
                 "test variant: no trustee reads the new CRL before the old one is copied back");
  live->add_flag("--variant-off-log-through-trustees", lo.variant.off_log_through_trustees,
                 "test variant: the off-log quorum asks its trustees under a warrant signed with the stolen judge key (unregistered)");
  live->add_flag("--variant-off-log-registered-warrant", lo.variant.off_log_registered_warrant,
                 "test variant: the off-log quorum asks its trustees under a warrant the real court issued and registered");
  live->add_flag("--variant-outsider-has-operator-key", lo.variant.outsider_has_operator_key,
                 "test variant: the outsider's refresh is signed with the real operator key (refreshes the deployment)");
  live->add_flag("--without-label-defence", lo.without_label_defence,
                 "test hook: live-label-evasion against the deployment before SPEC 7.4 (no deposit check, no recipient sender check)");
  live->add_flag("--json", json, "print JSON: each scenario's report and the cells");
  live->add_option("--html", html, "also write a self-contained HTML report to FILE");
  live->add_flag("-q,--quiet", quiet, "no progress lines on stderr");
  CLI11_PARSE(app, argc, argv);
  o.progress = !quiet && !json;
  if (!html.empty() && !writable(html)) {
    fmt::print(stderr, "error: cannot write the HTML report to {} (does its directory exist?)\n", html);
    return 2;
  }

  if (list->parsed()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : all()) {
      if (json) out.push_back({{"name", a.name}, {"title", a.title}, {"source", a.source}});
      else fmt::print("{:<22} {}\n{:<22} ({})\n", a.name, a.title, "", a.source);
    }
    if (json) fmt::print("{}\n", out.dump(2));
    return 0;
  }
  std::vector<Report> reports;
  try {
    if (live->parsed()) {
      lo.progress = o.progress;
      reports = doormat::attacks::live::run(lo);
      if (json) {
        nlohmann::json cells = nlohmann::json::array(), attacks = nlohmann::json::array();
        for (const auto& r : reports) {
          attacks.push_back(report_json(r));
          for (const auto& c : r.cells) cells.push_back(cell_json(r, c));
        }
        fmt::print("{}\n", nlohmann::json{{"version", DOORMAT_VERSION}, {"workdir", lo.workdir}, {"schemes", {"deployment"}},
                                           {"attacks", attacks}, {"cells", cells}}.dump(2));
      } else {
        for (const auto& r : reports) fmt::print("{}\n", to_text(r));
        for (const auto& r : reports)
          for (const auto& c : r.cells) fmt::print("{:<26} {:<9} {}\n", r.attack, to_string(c.verdict), c.evidence);
      }
      return html.empty() ? 0 : write_html(html, to_html_live(reports, lo.workdir));
    }
    if (run_cmd->parsed()) {
      const Attack* a = find(name);
      if (!a) {
        fmt::print(stderr, "error: no attack named '{}'; `escrow-attacks list` shows them\n", name);
        return 2;
      }
      reports.push_back(run(*a, o));
      if (json) fmt::print("{}\n", report_json(reports.back()).dump(2));
      else fmt::print("{}", to_text(reports.back()));
    } else {
      // On a terminal, each attack's header also says how far the matrix is and about how long is
      // left (app/progress: the attacks' own lines go on between the headers, so no line is
      // redrawn in place); piped, the header alone, as before.
      const bool terminal = doormat::progress::stderr_is_terminal();
      const auto started = std::chrono::steady_clock::now();
      for (const auto& a : all()) {
        if (o.progress && terminal) {
          const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          fmt::print(stderr, "== {} == {}\n", a.name,
                     doormat::progress::line("matrix", reports.size(), all().size(), elapsed, doormat::progress::colour_allowed()));
        } else if (o.progress) {
          fmt::print(stderr, "== {} ==\n", a.name);
        }
        reports.push_back(run(a, o));
        if (!json) fmt::print("{}\n", to_text(reports.back()));
      }
      if (json) {  // an object, like run's: every attack's report as run prints it, and the matrix's cells
        nlohmann::json cells = nlohmann::json::array(), attacks = nlohmann::json::array();
        for (const auto& r : reports) {
          attacks.push_back(report_json(r));
          for (const auto& c : r.cells) cells.push_back(cell_json(r, c));
        }
        nlohmann::json schemes = nlohmann::json::array();
        for (auto n : escrow::schemes::names()) schemes.push_back(n);
        const nlohmann::json out{{"version", DOORMAT_VERSION},
                                 {"options", {{"quick", o.quick}, {"seed", o.seed}, {"crumple_bits", o.crumple()}}},
                                 {"schemes", schemes},
                                 {"attacks", attacks},
                                 {"cells", cells}};
        fmt::print("{}\n", out.dump(2));
      } else {
        fmt::print("{}", matrix_text(reports));
      }
    }
  } catch (const std::exception& e) {  // set-up failures only: an attack's outcome is never an exception
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return html.empty() ? 0 : write_html(html, to_html(reports, o));
}
