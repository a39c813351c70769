#include "msgload_subscribers.hpp"

#include <charconv>
#include <optional>
#include <variant>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/amf/json.hpp"
#include "msgload_messages.hpp"

namespace amphora::cli::msgload {
namespace {

// A hexadecimal size at the start of `line` (an HTTP chunk's or a streaming frame's), or nothing.
std::optional<std::size_t> hex_size(std::string_view line) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), n, 16);
  if (ec != std::errc{} || end == line.data()) return std::nullopt;
  return n;
}

// Ten decimal digits or twenty, as the publisher writes them.
std::uint64_t read_digits(std::string_view digits) noexcept {
  std::uint64_t n = 0;
  for (const char c : digits) n = n * 10 + static_cast<std::uint64_t>(static_cast<unsigned char>(c) - '0');
  return n;
}

}  // namespace

void subscriber::setup_done(bool ok, std::string_view reason) {
  if (setup_reported_) return;
  setup_reported_ = true;
  if (ok) {
    held_ = true;
    totals_.held[static_cast<std::size_t>(kind_)].fetch_add(1, std::memory_order_relaxed);
  } else {
    totals_.setup_failed.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(totals_.error_mutex);
    if (totals_.first_error.empty()) totals_.first_error = std::string(reason);
    close();
  }
  worker_.setup_finished();
}

void subscriber::failed(std::string reason) {
  if (totals_.stopping.load(std::memory_order_relaxed)) return;
  if (!setup_reported_) return setup_done(false, reason);
  if (held_) {
    held_ = false;
    totals_.held[static_cast<std::size_t>(kind_)].fetch_sub(1, std::memory_order_relaxed);
    totals_.lost.fetch_add(1, std::memory_order_relaxed);
  }
  close();
}

void subscriber::delivered(std::string_view data) {
  std::uint64_t now = 0;
  std::uint64_t count = 0;
  for (std::size_t at = data.find(marker); at != std::string_view::npos;
       at = data.find(marker, at + marker.size())) {
    const std::size_t digits = at + marker.size();
    if (digits + sequence_digits + 1 + time_digits > data.size()) break;
    const std::uint64_t sequence = read_digits(data.substr(digits, sequence_digits));
    const std::uint64_t sent = read_digits(data.substr(digits + sequence_digits + 1, time_digits));
    const std::size_t from = order_.publisher_of(sequence);
    ++worker_.deliveries_by_publisher[from];
    if (!order_.accept(sequence)) {
      ++worker_.misordered_by_publisher[from];
      totals_.misordered.fetch_add(1, std::memory_order_relaxed);
    }
    if (now == 0) now = now_ns();
    worker_.latency.add(now > sent ? now - sent : 0);
    worker_.spread.add(sequence, now > sent ? now - sent : 0);
    ++count;
  }
  if (count == 0) return;
  worker_.deliveries.fetch_add(count, std::memory_order_relaxed);
  worker_.delivered_bytes.fetch_add(data.size(), std::memory_order_relaxed);
  worker_.last_delivery_ns.store(now, std::memory_order_relaxed);
}

namespace {

// Long polling and streaming start alike, with HTTP exchanges on the channel's endpoint:
// CLIENT_PING (for the DSId), then SUBSCRIBE; then subscribed().
class http_subscriber : public subscriber {
 public:
  using subscriber::subscriber;

 protected:
  virtual void subscribed(const std::string& ds_id) = 0;

 private:
  void connected() override {
    http_call(amf_post(path(), message_json("CommandMessage", command_fields(5, "", "nil", "msgload-ping"))),
              static_cast<response_handler>(&http_subscriber::on_ping));
  }

  void on_ping(unsigned status, std::string_view body) {
    amf::arena memory;
    const std::optional<flex::message> m = status == 200 ? read_flex(body, true, memory) : std::nullopt;
    const auto* ack = m ? std::get_if<flex::acknowledge_message>(&*m) : nullptr;
    const amf::value* id = ack != nullptr ? ack->header("DSId") : nullptr;
    if (id == nullptr || !id->is(amf::kind::string))
      return setup_done(false, "CLIENT_PING: no DSId in the answer");
    ds_id_ = std::string(id->as_string());
    http_call(amf_post(path(), message_json("CommandMessage", command_fields(0, settings_.destination, ds_id_,
                                                                             "msgload-subscribe"))),
              static_cast<response_handler>(&http_subscriber::on_subscribed));
  }

  void on_subscribed(unsigned status, std::string_view body) {
    amf::arena memory;
    const std::optional<flex::message> m = status == 200 ? read_flex(body, true, memory) : std::nullopt;
    if (!m || !std::holds_alternative<flex::acknowledge_message>(*m))
      return setup_done(false, "SUBSCRIBE: not acknowledged (HTTP " + std::to_string(status) + ")");
    subscribed(ds_id_);
  }

  std::string ds_id_;
};

// Long polling: one parked POLL after another.
class longpoll_subscriber final : public http_subscriber {
 public:
  using http_subscriber::http_subscriber;

 private:
  void subscribed(const std::string& ds_id) override {
    poll_ = amf_post(path(), message_json("CommandMessage", command_fields(2, "", ds_id, "msgload-poll")));
    poll();
    setup_done(true);
  }

  void poll() { http_call_kept(poll_, static_cast<response_handler>(&longpoll_subscriber::on_poll)); }

  void on_poll(unsigned status, std::string_view body) {
    if (status != 200 || body.find("ErrorMessage") != std::string_view::npos) fault();
    delivered(body);
    if (!totals_.stopping.load(std::memory_order_relaxed)) poll();
  }

  std::string poll_;  // the POLL request with this client's DSId
};

// HTTP streaming (docs/protocol.md, "HTTP streaming channel"): after SUBSCRIBE, the open on the
// same connection; the answer is the stream, HTTP chunks each holding one of BlazeDS's frames
// (`<hex size>\r\n<one AMF3 message>\r\n`), a bare 00 (heartbeat) or the terminator `0\r\n`.
// The first frame is the open acknowledgement (correlationId "open"), then one per message.
class streaming_subscriber final : public http_subscriber {
 public:
  using http_subscriber::http_subscriber;

 private:
  enum class phase { exchanges, head, opening, pushed };

  void subscribed(const std::string& ds_id) override {
    const std::string form = "DSId=" + ds_id;  // a UUID: nothing to escape
    send("POST " + path() +
         "?command=open&version=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
         std::to_string(form.size()) + "\r\n\r\n" + form);
    phase_ = phase::head;
    received();
  }

  void received() override {
    if (phase_ == phase::exchanges) return http_subscriber::received();
    if (phase_ == phase::head) {
      const std::size_t end = unread().find("\r\n\r\n");
      if (end == std::string_view::npos)
        return unread().size() > 64 * 1024 ? setup_done(false, "open: bad answer") : read_more();
      if (unread().substr(0, 12) != "HTTP/1.1 200") {
        const std::string_view answer = unread().substr(0, unread().find("\r\n"));
        return setup_done(false, "open refused: " + std::string(answer));
      }
      consume(end + 4);
      phase_ = phase::opening;
    }
    while (true) {  // HTTP chunks: `<hex size>\r\n<content>\r\n`
      const std::string_view data = unread();
      const std::size_t line = data.find("\r\n");
      if (line == std::string_view::npos) {
        if (data.size() > 64) return failed("bad chunk from the server");
        break;
      }
      const std::optional<std::size_t> size = hex_size(data.substr(0, line));
      if (!size || *size > max_response) return failed("bad chunk from the server");
      if (*size == 0) return failed("the server ended the stream");
      const std::size_t total = line + 2 + *size + 2;
      if (data.size() < total) break;
      const std::string_view content = data.substr(line + 2, *size);
      consume(total);
      if (!on_chunk(content)) return;
    }
    read_more();
  }

  // One HTTP chunk's content; false once the stream has ended or failed.
  bool on_chunk(std::string_view content) {
    if (content.size() == 1 && content[0] == '\0') return true;  // heartbeat
    if (content == "0\r\n") {
      failed("the server ended the stream");
      return false;
    }
    const std::size_t line = content.find("\r\n");
    const std::optional<std::size_t> size =
        line == std::string_view::npos ? std::nullopt : hex_size(content.substr(0, line));
    if (!size || line + 2 + *size > content.size()) {
      failed("bad frame from the server");
      return false;
    }
    const std::string_view bytes = content.substr(line + 2, *size);
    if (bytes.empty() || bytes[0] == '\0') return true;  // kick-start padding
    if (phase_ == phase::pushed) {
      if (bytes.find("ErrorMessage") != std::string_view::npos) fault();
      delivered(bytes);
      return true;
    }
    amf::arena memory;
    const std::optional<flex::message> m = read_flex(bytes, false, memory);
    const auto* ack = m ? std::get_if<flex::acknowledge_message>(&*m) : nullptr;
    if (ack == nullptr || ack->correlation_id != "open") {
      setup_done(false, "open: the stream did not start with its acknowledgement");
      return false;
    }
    phase_ = phase::pushed;
    setup_done(true);
    return true;
  }

  phase phase_ = phase::exchanges;
};

// WebSocket (docs/protocol.md, "WebSocket channel"): one binary frame per message, both ways.
class websocket_subscriber final : public subscriber {
 public:
  using subscriber::subscriber;

 private:
  enum class phase { handshake, subscribing, pushed };

  void connected() override {
    send("GET " + path() +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    read_more();
  }

  void received() override {
    if (phase_ == phase::handshake) {
      const std::size_t end = unread().find("\r\n\r\n");
      if (end == std::string_view::npos)
        return unread().size() > 64 * 1024 ? failed("bad handshake") : read_more();
      if (unread().substr(0, 12) != "HTTP/1.1 101")
        return failed("upgrade refused: " + std::string(unread().substr(0, 12)));
      consume(end + 4);
      phase_ = phase::subscribing;
      amf::arena memory;
      const amf::result<amf::value> v = amf::value_from_json(
          message_json("CommandMessage",
                       command_fields(0, settings_.destination, "nil", "msgload-subscribe")),
          memory);
      std::vector<std::uint8_t> payload;
      if (!v || !amf::encode_amf3(*v, payload).ok()) return failed("cannot encode SUBSCRIBE");
      send_frame(0x2, {reinterpret_cast<const char*>(payload.data()), payload.size()});
    }
    while (true) {
      const std::string_view data = unread();
      if (data.size() < 2) break;
      const auto b0 = static_cast<unsigned char>(data[0]);
      const auto b1 = static_cast<unsigned char>(data[1]);
      std::size_t header = 2;
      std::uint64_t length = b1 & 0x7fu;
      if (length == 126) {
        header = 4;
      } else if (length == 127) {
        header = 10;
      }
      if (data.size() < header) break;
      if (header > 2) {
        length = 0;
        for (std::size_t i = 2; i < header; ++i) length = (length << 8) | static_cast<unsigned char>(data[i]);
      }
      if ((b1 & 0x80u) != 0 || length > max_response) return failed("bad frame from the server");
      if (data.size() - header < length) break;
      const std::string_view payload = data.substr(header, static_cast<std::size_t>(length));
      consume(header + static_cast<std::size_t>(length));
      const unsigned opcode = b0 & 0x0fu;
      if (opcode == 0x8) return failed("closed by the server");
      if (opcode == 0x9) {
        send_frame(0xA, payload);
      } else if (opcode <= 0x2) {
        on_message(payload);
      }
    }
    read_more();
  }

  void on_message(std::string_view payload) {
    if (phase_ == phase::pushed) {
      if (payload.find("ErrorMessage") != std::string_view::npos) fault();
      return delivered(payload);
    }
    amf::arena memory;
    const std::optional<flex::message> m = read_flex(payload, false, memory);
    if (!m || !std::holds_alternative<flex::acknowledge_message>(*m))
      return setup_done(false, "SUBSCRIBE: not acknowledged");
    phase_ = phase::pushed;
    setup_done(true);
  }

  // A client frame: FIN, the opcode, masked with the all-zero key (RFC 6455 requires a mask, and
  // this one leaves the payload as it is: loopback load, nothing to hide).
  void send_frame(unsigned opcode, std::string_view payload) {
    std::string f;
    f.push_back(static_cast<char>(0x80u | opcode));
    if (payload.size() < 126) {
      f.push_back(static_cast<char>(0x80u | payload.size()));
    } else {
      f.push_back(static_cast<char>(0x80u | 126u));
      f.push_back(static_cast<char>((payload.size() >> 8) & 0xffu));
      f.push_back(static_cast<char>(payload.size() & 0xffu));
    }
    f.append(4, '\0');
    f.append(payload);
    send(std::move(f));
  }

  phase phase_ = phase::handshake;
};

}  // namespace

std::unique_ptr<subscriber> make_subscriber(worker& w, channel_kind kind, const settings& s,
                                            run_totals& totals, const net::ip::address* source) {
  switch (kind) {
    case channel_kind::longpoll:
      return std::make_unique<longpoll_subscriber>(w, kind, s, totals, source);
    case channel_kind::streaming:
      return std::make_unique<streaming_subscriber>(w, kind, s, totals, source);
    case channel_kind::websocket:
      break;
  }
  return std::make_unique<websocket_subscriber>(w, kind, s, totals, source);
}

void worker::start_more() {
  while (setups_in_flight < max_setups && next_to_start < clients.size()) {
    ++setups_in_flight;
    clients[next_to_start++]->start();
  }
}

}  // namespace amphora::cli::msgload
