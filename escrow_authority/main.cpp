// escrow-authority: the authority's command line. Today: the single-process walk-through.
// The trustee daemon, court, ceremony, investigate and audit commands arrive with issues 3 and 4.
#include <CLI/CLI.hpp>

#include "walkthrough.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Doormat escrow authority: threshold decryption of escrowed session keys under warrant"};
  app.require_subcommand(1);

  doormat::authority::WalkthroughOptions walk;
  auto* w = app.add_subcommand("walkthrough",
                               "Run TDH2 end to end in one process: dealer, clients, trustees, combiner, "
                               "a cheating trustee, a rogue sender and a label swap");
  w->add_option("-k,--threshold", walk.k, "trustees needed to decrypt")->check(CLI::Range(1, 255));
  w->add_option("-n,--trustees", walk.n, "trustees holding shares")->check(CLI::Range(2, 255));
  w->add_option("--sessions", walk.sessions, "messages Alice sends Bob")->check(CLI::Range(2, 1000));
  w->add_flag("--json", walk.json, "print one JSON summary object instead of the narration");

  CLI11_PARSE(app, argc, argv);
  if (*w) {
    if (walk.k >= walk.n) {
      std::fprintf(stderr, "error: the walk-through needs k < n (one trustee cheats and k honest ones remain)\n");
      return 2;
    }
    return doormat::authority::run_walkthrough(walk);
  }
  return 0;
}
