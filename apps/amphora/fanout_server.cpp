#include "fanout_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

namespace amphora::cli::fanout {
namespace {

using frame_ptr = std::shared_ptr<const std::string>;

constexpr std::size_t max_request = 1024 * 1024;  // a publish's header and body, a subscriber's first frame
constexpr std::size_t max_iov = 64;               // frames per writev()
constexpr int max_events = 256;

// A WebSocket frame from the server (unmasked, FIN): `opcode`, then `payload` padded with zero
// bytes to `padded_size`.
std::string websocket_frame(unsigned opcode, std::string_view payload, std::size_t padded_size = 0) {
  const std::size_t size = std::max(payload.size(), padded_size);
  std::string f;
  f.reserve(size + 10);
  f.push_back(static_cast<char>(0x80u | opcode));
  if (size < 126) {
    f.push_back(static_cast<char>(size));
  } else if (size <= 0xffff) {
    f.push_back(static_cast<char>(126));
    for (int shift = 8; shift >= 0; shift -= 8) f.push_back(static_cast<char>((size >> shift) & 0xffu));
  } else {
    f.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) f.push_back(static_cast<char>((size >> shift) & 0xffu));
  }
  f.append(payload);
  f.resize(f.size() + (size - payload.size()), '\0');
  return f;
}

constexpr std::size_t bad_frame = std::numeric_limits<std::size_t>::max();

// The size of the client frame at the start of `data` (header, mask and payload), 0 while
// incomplete, or bad_frame if it declares more than max_request bytes.
std::size_t client_frame_size(std::string_view data) {
  if (data.size() < 2) return 0;
  const auto b1 = static_cast<unsigned char>(data[1]);
  std::size_t header = 2 + ((b1 & 0x80u) != 0 ? 4 : 0);
  std::uint64_t length = b1 & 0x7fu;
  std::size_t extended = length == 126 ? 2 : length == 127 ? 8 : 0;
  if (data.size() < 2 + extended) return 0;
  if (extended > 0) {
    length = 0;
    for (std::size_t i = 0; i < extended; ++i)
      length = (length << 8) | static_cast<unsigned char>(data[2 + i]);
  }
  header += extended;
  if (length > max_request) return bad_frame;
  if (data.size() < header + length) return 0;
  return header + static_cast<std::size_t>(length);
}

bool contains_nocase(std::string_view text, std::string_view what) {
  return std::search(text.begin(), text.end(), what.begin(), what.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

// The Content-Length of an HTTP request head, or nothing.
std::optional<std::size_t> content_length(std::string_view head) {
  constexpr std::string_view name = "\r\ncontent-length:";
  const auto at = std::search(head.begin(), head.end(), name.begin(), name.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  if (at == head.end()) return std::nullopt;
  std::size_t i = static_cast<std::size_t>(at - head.begin()) + name.size();
  while (i < head.size() && head[i] == ' ') ++i;
  std::size_t n = 0;
  bool any = false;
  for (; i < head.size() && head[i] >= '0' && head[i] <= '9'; ++i) {
    n = n * 10 + static_cast<std::size_t>(head[i] - '0');
    any = true;
    if (n > max_request) return std::nullopt;
  }
  if (!any) return std::nullopt;
  return n;
}

class event_loop;

struct shared_state {
  const server_options& options;
  std::vector<std::unique_ptr<event_loop>> loops;
  std::atomic<bool> stopping{false};
  std::string subscribe_ack_frame;
  std::string publish_answer;  // the whole HTTP response
};

struct connection {
  enum class state { request, subscribing, subscriber, publisher, closed };
  int fd = -1;
  state st = state::request;
  std::string in;            // bytes read and not used yet (before subscribing; a publisher's requests)
  std::string out;           // setup answers and publish answers not written yet
  std::uint64_t next = 0;    // a subscriber's next message (an index into its loop's log)
  std::size_t offset = 0;    // bytes of that message written
  bool waiting_out = false;  // EPOLLOUT armed: the socket's send buffer was full
};

// One thread: its listener, its connections, its subscribers and the log of the messages they
// still have to get.
class event_loop {
 public:
  explicit event_loop(shared_state& shared) : shared_(shared) {}
  ~event_loop() {
    for (auto& c : connections_) {
      if (c->fd >= 0) ::close(c->fd);
    }
    for (const int fd : {listener_, epoll_, wake_, signals_}) {
      if (fd >= 0) ::close(fd);
    }
  }
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  // Opens the listener on `port` (0 for the first loop: any free port); returns the port, or 0.
  std::uint16_t open(std::uint16_t port, bool take_signals, std::string& error) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (epoll_ < 0 || wake_ < 0 || listener_ < 0) return fail(error, "epoll, eventfd or socket");
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(shared_.options.address);
    at.sin_port = htons(port);
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) return fail(error, "bind");
    if (::listen(listener_, 4096) != 0) return fail(error, "listen");
    socklen_t size = sizeof at;
    if (::getsockname(listener_, reinterpret_cast<sockaddr*>(&at), &size) != 0)
      return fail(error, "getsockname");
    watch(listener_, EPOLLIN, &listener_);
    watch(wake_, EPOLLIN, &wake_);
    if (take_signals) {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGINT);
      sigaddset(&set, SIGTERM);
      signals_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
      if (signals_ < 0) return fail(error, "signalfd");
      watch(signals_, EPOLLIN, &signals_);
    }
    return ntohs(at.sin_port);
  }

  // A message from another loop's publisher.
  void post(const frame_ptr& frame) {
    {
      std::lock_guard lock(inbox_mutex_);
      inbox_.push_back(frame);
    }
    wake();
  }
  const server_totals& counts() const { return counts_; }

  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_, &one, sizeof one);
  }

  void run() {
    std::array<epoll_event, max_events> events{};
    while (!shared_.stopping.load(std::memory_order_relaxed)) {
      const int n = ::epoll_wait(epoll_, events.data(), max_events, sweeping_ ? 0 : -1);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < n; ++i) on_event(events[static_cast<std::size_t>(i)]);
      if (sweeping_) sweep_step();
    }
  }

 private:
  std::uint16_t fail(std::string& error, std::string_view what) {
    error = std::string(what) + ": " + std::strerror(errno);
    return 0;
  }

  void watch(int fd, std::uint32_t events, void* tag) {
    epoll_event e{};
    e.events = events;
    e.data.ptr = tag;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &e);
  }
  void rewatch(connection& c, bool out) {
    epoll_event e{};
    e.events = EPOLLIN | (out ? EPOLLOUT : 0u);
    e.data.ptr = &c;
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &e);
    c.waiting_out = out;
  }

  void on_event(const epoll_event& e) {
    if (e.data.ptr == &listener_) return accept_all();
    if (e.data.ptr == &wake_) return take_inbox();
    if (e.data.ptr == &signals_) {
      shared_.stopping.store(true);
      for (auto& loop : shared_.loops) loop->wake();
      return;
    }
    connection& c = *static_cast<connection*>(e.data.ptr);
    if (c.st == connection::state::closed) return;
    if ((e.events & EPOLLOUT) != 0) {
      rewatch(c, false);
      flush(c);
    }
    if ((e.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 && c.st != connection::state::closed)
      on_readable(c);
  }

  void accept_all() {
    while (true) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or out of descriptors: the client sees its connection wait
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto& c = connections_.emplace_back(std::make_unique<connection>());
      c->fd = fd;
      watch(fd, EPOLLIN, c.get());
    }
  }

  void take_inbox() {
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = ::read(wake_, &count, sizeof count);
    std::vector<frame_ptr> frames;
    {
      std::lock_guard lock(inbox_mutex_);
      frames.swap(inbox_);
    }
    for (const frame_ptr& f : frames) append(f);
  }

  void on_readable(connection& c) {
    const ssize_t n = ::read(c.fd, buffer_.data(), buffer_.size());
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return close(c);
    if (n < 0 || c.st == connection::state::subscriber) return;  // what a subscriber sends is not read
    c.in.append(buffer_.data(), static_cast<std::size_t>(n));
    if (c.in.size() > 2 * max_request) return close(c);
    if (c.st == connection::state::request) {
      const std::size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      const std::string_view head(c.in.data(), end + 2);
      if (head.starts_with("GET ") && contains_nocase(head, "\r\nupgrade: websocket\r\n")) {
        c.in.erase(0, end + 4);
        c.st = connection::state::subscribing;
        send(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
      } else if (head.starts_with("POST ")) {
        c.st = connection::state::publisher;
      } else {
        return close(c);
      }
    }
    if (c.st == connection::state::subscribing) {
      const std::size_t size = client_frame_size(c.in);
      if (size == bad_frame) return close(c);
      if (size == 0) return;
      c.in = std::string();
      c.st = connection::state::subscriber;
      c.next = log_base_ + log_.size();  // from the next message on
      send(c, shared_.subscribe_ack_frame);
      subscribers_.push_back(&c);
      ++counts_.subscribers;
      return;
    }
    if (c.st == connection::state::publisher) read_publishes(c);
  }

  // Every whole request in the publisher's bytes: answered, then pushed.
  void read_publishes(connection& c) {
    std::size_t at = 0;
    while (true) {
      const std::string_view rest = std::string_view(c.in).substr(at);
      const std::size_t end = rest.find("\r\n\r\n");
      if (end == std::string_view::npos) break;
      const std::optional<std::size_t> length = content_length(rest.substr(0, end + 2));
      if (!length) return close(c);
      if (rest.size() < end + 4 + *length) break;
      const std::string_view body = rest.substr(end + 4, *length);
      at += end + 4 + *length;
      send(c, shared_.publish_answer);
      publish(std::make_shared<const std::string>(websocket_frame(0x2, body, shared_.options.frame_bytes)));
    }
    c.in.erase(0, at);
  }

  void publish(const frame_ptr& frame) {
    ++counts_.published;
    for (auto& loop : shared_.loops) {
      if (loop.get() == this) {
        append(frame);
      } else {
        loop->post(frame);
      }
    }
  }

  // A message for every subscriber of this loop: the sweep writes it (again from the first
  // subscriber, if a sweep was under way).
  void append(const frame_ptr& frame) {
    log_.push_back(frame);
    if (sweeping_) {
      rescan_ = true;
    } else {
      sweeping_ = true;
      cursor_ = 0;
    }
  }

  void sweep_step() {
    const std::size_t end = std::min(subscribers_.size(), cursor_ + shared_.options.batch);
    for (; cursor_ < end; ++cursor_) flush(*subscribers_[cursor_]);
    if (cursor_ < subscribers_.size()) return;
    cursor_ = 0;
    if (rescan_) {
      rescan_ = false;
      return;
    }
    sweeping_ = false;
    trim();
  }

  // Drops closed connections, and the messages every subscriber has written.
  void trim() {
    std::erase_if(subscribers_, [](const connection* c) { return c->st == connection::state::closed; });
    std::erase_if(connections_, [](const auto& c) { return c->st == connection::state::closed; });
    std::uint64_t oldest = log_base_ + log_.size();
    for (const connection* s : subscribers_) oldest = std::min(oldest, s->next);
    while (log_base_ < oldest) {
      log_.pop_front();
      ++log_base_;
    }
  }

  void send(connection& c, std::string_view bytes) {
    c.out.append(bytes);
    flush(c);
  }

  // Writes what `c` has pending: its answers, then (a subscriber) its messages, one write() each or
  // all in one writev(); stops when the socket's buffer is full (EPOLLOUT armed).
  void flush(connection& c) {
    if (c.st == connection::state::closed || c.waiting_out) return;
    while (!c.out.empty()) {
      const ssize_t n = ::write(c.fd, c.out.data(), c.out.size());
      if (!wrote(c, n)) return;
      c.out.erase(0, static_cast<std::size_t>(n));
    }
    if (c.st != connection::state::subscriber) return;
    const std::uint64_t end = log_base_ + log_.size();
    std::array<iovec, max_iov> iov{};
    while (c.next < end) {
      std::size_t count = 0;
      for (std::uint64_t m = c.next; m < end && count < (shared_.options.coalesce ? max_iov : 1);
           ++m, ++count) {
        const std::string& f = *log_[static_cast<std::size_t>(m - log_base_)];
        const std::size_t skip = count == 0 ? c.offset : 0;
        iov[count] = {const_cast<char*>(f.data() + skip), f.size() - skip};
      }
      const ssize_t n = count == 1 ? ::write(c.fd, iov[0].iov_base, iov[0].iov_len)
                                   : ::writev(c.fd, iov.data(), static_cast<int>(count));
      if (!wrote(c, n)) return;
      ++counts_.writes;
      auto left = static_cast<std::size_t>(n);
      while (left > 0) {
        const std::size_t rest = log_[static_cast<std::size_t>(c.next - log_base_)]->size() - c.offset;
        if (left < rest) {
          c.offset += left;
          break;
        }
        left -= rest;
        c.offset = 0;
        ++c.next;
        ++counts_.frames;
      }
      if (c.offset != 0) return rewatch(c, true);  // a short write: the buffer is full
    }
  }

  // After a write: true if it wrote something; otherwise waits for EPOLLOUT or closes.
  bool wrote(connection& c, ssize_t n) {
    if (n > 0) return true;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      rewatch(c, true);
    } else if (n < 0 && errno != EINTR) {
      close(c);
    }
    return false;
  }

  void close(connection& c) {
    if (c.fd >= 0) ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    c.st = connection::state::closed;
    c.in = std::string();
    c.out = std::string();
  }  // the connection stays until the end of the sweep (trim): events may still name it

  shared_state& shared_;
  int epoll_ = -1;
  int wake_ = -1;
  int listener_ = -1;
  int signals_ = -1;
  std::vector<std::unique_ptr<connection>> connections_;
  std::vector<connection*> subscribers_;  // in the order they subscribed
  std::deque<frame_ptr> log_;             // messages not yet written to every subscriber
  std::uint64_t log_base_ = 0;            // the index of log_.front()
  bool sweeping_ = false;                 // some subscriber may have messages to write
  bool rescan_ = false;                   // a message came during the sweep: sweep again
  std::size_t cursor_ = 0;                // the next subscriber of the sweep
  std::mutex inbox_mutex_;
  std::vector<frame_ptr> inbox_;  // from other loops' publishers
  std::array<char, 64 * 1024> buffer_{};
  server_totals counts_;  // this loop's share
};

}  // namespace

std::string run_server(const server_options& options, server_totals& totals) {
  shared_state shared{options, {}, {}, websocket_frame(0x2, options.subscribe_ack), {}};
  shared.publish_answer = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amf\r\nContent-Length: " +
                          std::to_string(options.publish_ack.size()) + "\r\n\r\n" + options.publish_ack;
  std::uint16_t port = options.port;
  for (std::size_t i = 0; i < std::max<std::size_t>(options.threads, 1); ++i) {
    shared.loops.push_back(std::make_unique<event_loop>(shared));
    std::string error;
    port = shared.loops.back()->open(port, i == 0, error);
    if (port == 0) return error;
  }
  in_addr address{htonl(options.address)};
  std::array<char, INET_ADDRSTRLEN> text{};
  ::inet_ntop(AF_INET, &address, text.data(), text.size());
  std::printf("listening on http://%s:%u\n", text.data(), unsigned{port});
  std::fflush(stdout);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < shared.loops.size(); ++i)
    threads.emplace_back([&loop = *shared.loops[i]] { loop.run(); });
  shared.loops.front()->run();
  for (std::thread& t : threads) t.join();
  for (const auto& loop : shared.loops) {
    totals.subscribers += loop->counts().subscribers;
    totals.published += loop->counts().published;
    totals.frames += loop->counts().frames;
    totals.writes += loop->counts().writes;
  }
  return {};
}

}  // namespace amphora::cli::fanout
