// `escrow-authority trustee init|serve`.
#include <nlohmann/json.hpp>
#include <signal.h>

#include <thread>

#include "commands.hpp"
#include "files.hpp"
#include "trustee.hpp"
#include "trustee_http.hpp"

namespace doormat::authority {

namespace {
escrow::Result<std::string> read_passphrase(const std::string& path) {
  auto text = files::read_text(path);
  if (!text) return escrow::unexpected(text.error());
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
  return text;
}
}  // namespace

void register_trustee(CLI::App& app, int& status) {
  auto* trustee = app.add_subcommand("trustee", "one trustee of the escrow authority")->require_subcommand(1);
  struct Options {
    TrusteeSetup setup;
    std::string passphrase_file, host = "127.0.0.1", port_file;
    int port = 0;
    std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  };
  auto o = std::make_shared<Options>();

  auto* init = trustee->add_subcommand("init", "create the trustee's database from its share (encrypted at rest)");
  init->add_option("--db", o->setup.db_path, "the trustee's SQLite file (created 0600)")->required();
  auto* share = init->add_option("--share", o->setup.share_path, "the share file from a dealer ceremony")->check(CLI::ExistingFile);
  auto* authority = init->add_option("--authority", o->setup.authority_path, "the authority's public key (with --share)")
                        ->needs(share)->check(CLI::ExistingFile);
  share->needs(authority);  // a share without its public key would be read from a blank path
  init->add_option("--index", o->setup.index, "this trustee's index, when its key will come from `ceremony dkg`")->excludes(share);
  init->add_option("--root", o->setup.root_path, "the judicial root certificate (PEM)")->required()->check(CLI::ExistingFile);
  init->add_option("--crl", o->setup.crl_path, "the judicial CRL (PEM), re-read on every request")->required();
  init->add_option("--passphrase-file", o->passphrase_file, "file holding the passphrase for the at-rest key")->required()->check(CLI::ExistingFile);
  init->add_option("--judges-required", o->setup.judges_required, "distinct judges a warrant needs")->capture_default_str();
  init->add_option("--freshness", o->setup.freshness_seconds, "seconds a request's time may differ from ours")->capture_default_str();
  init->add_option("--operator", o->setup.operator_path,
                   "the operator's .pub (`operator new`): only calls it signs can run a DKG or refresh here; without it, none can")
      ->check(CLI::ExistingFile);
  init->add_option("--rate-per-minute", o->setup.rate_per_minute, "requests per agency key per minute (0: unlimited)")->capture_default_str();
  init->add_option("--field-rate-per-minute", o->setup.field_rate_per_minute,
                   "distinct escrow fields per agency key per minute, summed over its requests (0: unlimited)")
      ->capture_default_str();
  init->add_option("--refusal-budget", o->setup.refusal_budget,
                   "refused unauthenticated requests per source address per 10 s before it gets 429 (0: unlimited)")
      ->capture_default_str();
  init->callback([o, &status] {
    if (o->setup.share_path.empty() == (o->setup.index == 0)) {
      status = report({escrow::ErrorCategory::malformed, "trustee init", "give --share and --authority (dealer) or --index (DKG)"});
      return;
    }
    auto pass = read_passphrase(o->passphrase_file);
    if (!pass) { status = report(pass.error()); return; }
    o->setup.passphrase = *pass;
    if (auto r = init_trustee(o->setup); !r) { status = report(r.error()); return; }
    auto t = Trustee::open(o->setup.db_path, *pass);
    if (!t) { status = report(t.error()); return; }
    fmt::print("{}\n", (*t)->info().body.dump());
    status = 0;
  });

  auto* serve = trustee->add_subcommand("serve", "serve the trustee's HTTP API until SIGTERM");
  serve->add_option("--db", o->setup.db_path, "the trustee's SQLite file")->required()->check(CLI::ExistingFile);
  serve->add_option("--passphrase-file", o->passphrase_file, "file holding the passphrase")->required()->check(CLI::ExistingFile);
  serve->add_option("--host", o->host, "address to listen on (loopback by default)")->capture_default_str();
  serve->add_option("--port", o->port, "port; 0 picks a free one")->capture_default_str()->check(CLI::Range(0, 65535));
  serve->add_option("--port-file", o->port_file, "write the chosen port here once listening");
  serve->add_option("--threads", o->threads, "threads that share a batch of fields (default: one per core)")->check(CLI::Range(1, 256));
  serve->callback([o, &status] {
    // SIGTERM and SIGINT blocked before any thread starts (Trustee::open starts the pool), so
    // they reach serve_trustee's waiter and the trustee stops cleanly (its refusal counts logged)
    // instead of a pool thread taking the default action.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    auto pass = read_passphrase(o->passphrase_file);
    if (!pass) { status = report(pass.error()); return; }
    auto t = Trustee::open(o->setup.db_path, *pass, o->threads);
    if (!t) { status = report(t.error()); return; }
    status = serve_trustee(**t, o->host, o->port, o->port_file);
  });
}

}  // namespace doormat::authority
