// escrow-authority: the authority's side. Ceremony, court, trustees, investigation, audit, and the
// walk-through. Each subcommand lives in its role's folder (trustee/, agency/, court/, auditor/,
// tools/) and is registered here.
#include <CLI/CLI.hpp>

#include <string_view>

#include "command_line.hpp"
#include "commands.hpp"
#include "walkthrough.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Doormat escrow authority: threshold decryption of escrowed session keys under warrant"};
  app.require_subcommand(1);
  int status = 0;

  doormat::authority::WalkthroughOptions walk;
  auto* w = app.add_subcommand("walkthrough",
                               "Run TDH2 end to end in one process: dealer, clients, trustees, combiner, "
                               "a cheating trustee, a rogue sender and a label swap");
  w->add_option("-k,--threshold", walk.k, "trustees needed to decrypt")->check(CLI::Range(1, 255));
  w->add_option("-n,--trustee-count", walk.n, "how many trustees hold shares (--trustees names a directory file elsewhere)")->check(CLI::Range(2, 255));
  w->add_option("--sessions", walk.sessions, "messages Alice sends Bob")->check(CLI::Range(2, 1000));
  w->add_flag("--json", walk.json, "print one JSON summary object instead of the narration");
  w->callback([&] {
    if (walk.k >= walk.n) {
      std::fprintf(stderr, "error: the walk-through needs k < n (one trustee cheats and k honest ones remain)\n");
      status = 2;
      return;
    }
    status = doormat::authority::run_walkthrough(walk);
  });

  doormat::authority::register_ceremony(app, status);
  doormat::authority::register_ceremony_network(app, status);
  doormat::authority::register_court(app, status);
  doormat::authority::register_trustee(app, status);
  doormat::authority::register_investigate(app, status);
  doormat::authority::register_agency(app, status);  // `agency new`
  doormat::authority::register_enroll(app, status);
  doormat::authority::register_audit(app, status);
  doormat::authority::register_demo(app, status);
  doormat::authority::register_loadtest(app, status);
  doormat::authority::register_operator(app, status);
  doormat::authority::register_inspect(app, status);

  app.set_version_flag("--version", std::string("escrow-authority (Doormat) ") + DOORMAT_VERSION);
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--json") doormat::authority::json_errors = true;

  // Exit codes (README, "Exit codes"): 0 ok, 1 error, 2 usage, 3 audit inconsistent, 4 nothing
  // decrypted, 5 a trustee unreachable in an audit, 6 a warrant missing from the court's register
  // opened sessions (audit --register). A usage error is CLI11's message and 2 (app/command_line).
  if (auto exit = doormat::command_line::parse(app, argc, argv)) return *exit;
  return status;
}
