// The server: one io_context run by N threads, a strand per connection (docs/server.md says why),
// the listener, the worker pool for blocking services, and the graceful stop.
#include "amphora/server/server.hpp"

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "listener.hpp"
#include "net.hpp"
#include "router.hpp"
#include "shared_state.hpp"
#include "timers.hpp"
#include "tls_context.hpp"
#include "worker_pool.hpp"

namespace amphora::server {

using namespace detail;

namespace {

unsigned io_threads(const config& cfg) {
  if (cfg.threads != 0) return cfg.threads;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

tcp::endpoint endpoint_for(net::io_context& ioc, const config& cfg, std::uint16_t port) {
  error_code ec;
  const net::ip::address address = net::ip::make_address(cfg.host, ec);
  if (!ec) return {address, port};
  tcp::resolver resolver(ioc);  // a host name ("localhost"): its first address
  const auto results = resolver.resolve(cfg.host, std::to_string(port), ec);
  if (ec || results.empty()) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "cannot resolve host " + cfg.host);
  }
  return results.begin()->endpoint();
}

}  // namespace

// Destroyed in reverse order: the pool before the io_context (its dropped tasks may still refer
// to sessions), the io_context before the shared state.
struct server::impl {
  explicit impl(config c)
      : cfg(std::move(c)),
        ioc(static_cast<int>(io_threads(cfg))),
        pool(cfg.blocking_threads, cfg.blocking_queue) {}

  config cfg;
  router routes;
  request_log::sink log_sink;
  std::shared_ptr<shared_state> state;
  net::io_context ioc;
  std::shared_ptr<asio_timers> timers = std::make_shared<asio_timers>(ioc);
  worker_pool pool;
  std::shared_ptr<listener> acceptor;      // plain HTTP (null with plain_http off)
  std::shared_ptr<listener> tls_acceptor;  // HTTPS (null without tls_cert)
  std::optional<net::signal_set> signals;
  std::function<void(error_code, int)> on_signal;  // re-armed after SIGHUP
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::uint16_t tls_port = 0;

  std::mutex mutex;  // guards the flags below
  std::condition_variable stop_requested_cv;
  bool started = false;
  bool stop_requested = false;
  bool stopped = false;
  std::mutex wait_mutex;  // one wait() does the stopping
};

server::server(config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {}

server::~server() {
  bool running = false;
  {
    const std::lock_guard lock(impl_->mutex);
    running = impl_->started && !impl_->stopped;
  }
  if (running) stop();
}

void server::mount(std::string path, std::shared_ptr<handler> target, std::vector<std::string> methods) {
  if (impl_->started) throw std::logic_error("server::mount after start");
  impl_->routes.add({std::move(path), std::move(methods), std::move(target)});
}

void server::mount_websocket(std::string path, std::shared_ptr<websocket_handler> target,
                             websocket_settings options) {
  if (impl_->started) throw std::logic_error("server::mount_websocket after start");
  impl_->routes.add_websocket({std::move(path), std::move(target), options});
}

std::vector<route_info> server::routes() const { return impl_->routes.routes(); }

std::vector<websocket_route> server::websocket_routes() const { return impl_->routes.websocket_routes(); }

void server::set_log_sink(std::function<void(std::string_view line)> sink) {
  impl_->log_sink = std::move(sink);
}

void server::start() {
  impl& m = *impl_;
  {
    const std::lock_guard lock(m.mutex);
    if (m.started) throw std::logic_error("server::start called twice");
  }
  m.state = std::make_shared<shared_state>(m.cfg, m.routes, m.log_sink);
  std::shared_ptr<net::ssl::context> tls;
  if (!m.cfg.tls_cert.empty() || !m.cfg.tls_key.empty()) {
    tls = make_tls_context(m.cfg.tls_cert, m.cfg.tls_key, [&m](const std::string& warning) {
      m.state->log().event(log_level::warn, warning);
    });
  } else if (!m.cfg.plain_http) {
    throw std::invalid_argument("plain_http is off and no tls_cert is given: nothing to listen on");
  }
  const auto listen = [&m](std::uint16_t port, std::shared_ptr<net::ssl::context> context) {
    try {
      return std::make_shared<listener>(m.ioc, endpoint_for(m.ioc, m.cfg, port), m.state, std::move(context));
    } catch (const boost::system::system_error& e) {
      throw std::system_error(std::error_code(e.code().value(), std::system_category()),
                              "cannot listen on " + m.cfg.host + ":" + std::to_string(port));
    }
  };
  if (m.cfg.plain_http) {
    m.acceptor = listen(m.cfg.port, nullptr);
    m.port = m.acceptor->port();
  }
  if (tls) {
    m.tls_acceptor = listen(m.cfg.tls_port, std::move(tls));
    m.tls_port = m.tls_acceptor->port();
  }
  for (const std::shared_ptr<listener>& l : {m.acceptor, m.tls_acceptor}) {
    if (l) l->run();
  }
  const unsigned n = io_threads(m.cfg);
  m.threads.reserve(n);
  for (unsigned i = 0; i < n; ++i) m.threads.emplace_back([&m] { m.ioc.run(); });
  const std::lock_guard lock(m.mutex);
  m.started = true;
}

std::uint16_t server::port() const noexcept { return impl_->port; }

std::uint16_t server::tls_port() const noexcept { return impl_->tls_port; }

void server::reload_tls() {
  impl& m = *impl_;
  if (!m.tls_acceptor) throw std::logic_error("server::reload_tls without TLS");
  m.tls_acceptor->set_tls(make_tls_context(m.cfg.tls_cert, m.cfg.tls_key, [&m](const std::string& warning) {
    m.state->log().event(log_level::warn, warning);
  }));
}

const config& server::settings() const noexcept { return impl_->cfg; }

blocking_runner server::runner() {
  return [pool = &impl_->pool](std::function<void()> task) { return pool->post(std::move(task)); };
}

std::shared_ptr<timer_service> server::timers() { return impl_->timers; }

void server::stop_on_signals(std::function<void()> on_hangup) {
  impl& m = *impl_;
  if (!m.started) throw std::logic_error("server::stop_on_signals before start");
  m.signals.emplace(m.ioc, SIGINT, SIGTERM);
  if (on_hangup) m.signals->add(SIGHUP);
  m.on_signal = [this, &m, on_hangup = std::move(on_hangup)](error_code ec, int signal) {
    if (ec) return;
    if (signal != SIGHUP) return request_stop();
    try {
      on_hangup();
    } catch (const std::exception& e) {
      m.state->log().event(log_level::error, std::string("SIGHUP: ") + e.what());
    }
    m.signals->async_wait(m.on_signal);
  };
  m.signals->async_wait(m.on_signal);
}

void server::request_stop() noexcept {
  impl& m = *impl_;
  {
    const std::lock_guard lock(m.mutex);
    if (!m.started || m.stop_requested) return;
    m.stop_requested = true;
  }
  try {
    m.state->log().event(log_level::info, "stopping: finishing in-flight requests");
    m.state->set_stopping();
    for (const std::shared_ptr<listener>& l : {m.acceptor, m.tls_acceptor}) {
      if (l) l->stop();
    }
    std::vector<handler*> told;
    for (const route_info& r : m.routes.routes()) {
      if (r.target && std::find(told.begin(), told.end(), r.target.get()) == told.end()) {
        told.push_back(r.target.get());
        r.target->shutdown();
      }
    }
    if (m.signals) net::post(m.ioc, [&m] { m.signals->cancel(); });
  } catch (...) {
    // Out of memory while posting: wait() still stops everything at its deadline.
  }
  m.stop_requested_cv.notify_all();
}

void server::wait() {
  impl& m = *impl_;
  const std::lock_guard wait_lock(m.wait_mutex);
  {
    std::unique_lock lock(m.mutex);
    m.stop_requested_cv.wait(lock, [&m] { return !m.started || m.stop_requested; });
    if (!m.started || m.stopped) return;
  }
  const auto deadline = std::chrono::steady_clock::now() + m.cfg.shutdown_timeout;
  if (!m.state->wait_idle_until(deadline)) {
    m.state->log().event(log_level::warn, "shutdown deadline passed: closing the remaining connections");
  }
  m.ioc.stop();
  for (std::thread& t : m.threads) t.join();
  m.threads.clear();
  m.timers->stop();
  m.state->set_io_stopped();
  m.pool.stop();
  if (m.state->websocket_writes().writes.load() + m.state->stream_writes().writes.load() > 0) {
    m.state->log().event(log_level::info, "pushed: WebSocket " +
                                              m.state->websocket_writes().summary("frames") + ", streaming " +
                                              m.state->stream_writes().summary("chunks"));
  }
  m.state->log().event(log_level::info, "stopped");
  const std::lock_guard lock(m.mutex);
  m.stopped = true;
}

}  // namespace amphora::server
