#include "trustee_http.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>

#include <ctime>
#include <thread>

#include "files.hpp"

namespace doormat::authority {
namespace {

uint64_t now() { return static_cast<uint64_t>(std::time(nullptr)); }

void send(httplib::Response& res, const Reply& reply) {
  res.status = reply.status;
  res.set_content(reply.body.dump(), "application/json");
}

uint64_t param(const httplib::Request& req, const char* name, uint64_t fallback) {
  if (!req.has_param(name)) return fallback;
  try {
    return std::stoull(req.get_param_value(name));
  } catch (...) {
    return UINT64_MAX;  // refused by the range checks
  }
}

}  // namespace

int serve_trustee(Trustee& trustee, const std::string& host, int port, const std::string& port_file) {
  httplib::Server server;
  // Oversized bodies are refused before parsing: a request is at most 8 MiB, hex doubles it.
  server.set_payload_max_length(2 * escrow::request::kMaxRequestBytes + 1024);

  server.Post("/v1/decrypt", [&](const httplib::Request& req, httplib::Response& res) { send(res, trustee.decrypt_body(req.body, now(), req.remote_addr)); });
  server.Post("/v1/ceremony", [&](const httplib::Request& req, httplib::Response& res) { send(res, trustee.ceremony(req.body, now(), req.remote_addr)); });
  server.Get("/v1/info", [&](const httplib::Request&, httplib::Response& res) { send(res, trustee.info()); });
  server.Get("/v1/log/head", [&](const httplib::Request&, httplib::Response& res) { send(res, trustee.head(now())); });
  server.Get("/v1/log/consistency", [&](const httplib::Request& req, httplib::Response& res) {
    send(res, trustee.consistency(param(req, "from", 0), param(req, "to", 0)));
  });
  server.Get("/v1/log/inclusion", [&](const httplib::Request& req, httplib::Response& res) {
    send(res, trustee.inclusion(param(req, "index", 0), param(req, "size", 0)));
  });
  server.Get("/v1/log/entries", [&](const httplib::Request& req, httplib::Response& res) {
    send(res, trustee.entries(param(req, "start", 0), param(req, "count", 1000)));
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) send(res, {res.status, {{"error", "http"}, {"reason", fmt::format("HTTP {}", res.status)}}});
  });

  // Block SIGTERM/SIGINT in every thread; one thread waits for them and stops the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    fmt::print(stderr, "error: cannot listen on {}:{}\n", host, port);
    return 1;
  }
  if (!port_file.empty())
    if (auto r = files::write_text(port_file, std::to_string(bound) + "\n"); !r) {
      fmt::print(stderr, "error: {}\n", r.error().message());
      return 1;
    }
  fmt::print(stderr, "trustee {} listening on http://{}:{}\n", trustee.index(), host, bound);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  server.listen_after_bind();
  if (waiter.joinable()) {
    pthread_kill(waiter.native_handle(), SIGTERM);  // wake it if the server stopped on its own
    waiter.join();
  }
  fmt::print(stderr, "trustee {} stopped\n", trustee.index());
  return 0;
}

}  // namespace doormat::authority
