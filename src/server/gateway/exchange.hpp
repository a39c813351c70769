// One request in flight: its arena, the decoded packet, the response being built. Bodies run one
// after another, in order; a body may finish later on another thread (async and blocking
// operations), and the next one starts from there. Exactly one reply goes out.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/packet.hpp"
#include "amphora/messaging/broker.hpp"
#include "amphora/server/handler.hpp"
#include "amphora/server/service.hpp"
#include "gateway_state.hpp"
#include "outcome.hpp"

namespace amphora::server::detail {

class exchange : public std::enable_shared_from_this<exchange> {
 public:
  exchange(std::shared_ptr<gateway_state> gateway, reply_callback done);
  // Its arena goes back to this thread's few spare ones (reset), for the next request.
  ~exchange();
  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  // Decodes the request and processes its bodies; answers through `done`.
  void run(const request_view& request);

  // ---- for the body processors (netconnection.cpp, flex_remoting.cpp) ----
  gateway_state& gateway() noexcept { return *gateway_; }
  amf::arena& memory() noexcept { return memory_; }
  const amf::packet& request() const noexcept { return request_; }
  // The context of the running body (reset for each body).
  call_context& context() noexcept { return context_; }
  // The polling endpoint the request came to, or nullptr (a plain AMF endpoint).
  channel_state* channel() noexcept { return channel_; }
  // nullopt when `destination` may be reached through this request's path; else the fault
  // (Server.Processing "Destination 'x' not accessible over channel 'y'.").
  std::optional<fault> channel_fault(std::string_view destination) const;
  // Keeps delivered messages alive until the reply is encoded (the reply's values view them).
  void keep(std::vector<messaging::delivery> deliveries);

  // Runs `op` for the running body with its calls' memory budget; `finish` gets the outcome.
  void call(const destination::entry& op, std::span<const amf::value> args,
            std::function<void(outcome)> finish);

  // "a" + "b" in the arena ("" if it refuses memory).
  std::string_view concat(std::string_view a, std::string_view b);
  // The answer of body `index`: exactly once per body, in order. A body whose value is undefined
  // could not be built (out of memory) and turns the whole reply into an HTTP 500.
  void answer(std::size_t index, amf::packet_body body);

  // ---- authentication (authentication.cpp) ----
  // The caller of this packet's bodies from now on (a session cookie, a Credentials header, a
  // LOGIN earlier in the packet); null: anonymous.
  void set_user(std::shared_ptr<const security::principal> user);
  // The caller of the running body only (per-client authentication: the DSId's principal).
  void set_body_user(std::shared_ptr<const security::principal> user);
  // Every body not yet started is answered with this fault (bad Credentials header).
  void fail_bodies(fault f) { packet_fault_ = std::move(f); }
  // The request's login session id (a known one), or "".
  std::string& session_id() noexcept { return session_id_; }
  // An HTTP header for the reply (Set-Cookie).
  void add_reply_header(std::string name, std::string value);

 private:
  void step();
  void start_body(std::size_t index);
  void finish();
  void answer_undecodable(std::span<const std::uint8_t> body);
  amf::packet_body fault_body(std::size_t index, const fault& f);
  void send(server::reply r);

  std::shared_ptr<gateway_state> gateway_;
  reply_callback done_;
  amf::arena memory_;  // a spare one of this thread's when there is one (exchange.cpp)
  amf::packet request_;
  amf::packet response_;
  call_context context_;
  channel_state* channel_ = nullptr;
  std::string path_;  // the endpoint the request came to, when allowed_channels is set
  std::vector<messaging::delivery> kept_;
  std::shared_ptr<const security::principal> user_;
  std::shared_ptr<const security::principal> body_user_;
  std::optional<fault> packet_fault_;
  std::string session_id_;
  std::vector<std::pair<std::string, std::string>> reply_headers_;
  std::size_t next_ = 0;
  bool broken_ = false;  // a reply could not be built
  std::atomic<std::size_t> steps_{0};
};

}  // namespace amphora::server::detail
