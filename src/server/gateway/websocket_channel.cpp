// The WebSocket messaging channel (include/amphora/server/websocket_channel.hpp). One
// flex_connection per WebSocket: it decodes each frame as one AMF3 Flex message, answers it with
// one frame (AcknowledgeMessage or ErrorMessage), and pushes what the broker queues for its
// FlexClient, including SUBSCRIPTION_INVALIDATE when the server drops a consumer (a subscription
// timeout). Pushes: the broker calls `wake` when the queue goes from empty to non-empty; the
// connection passes it to the sink (message_sink::wake), which calls the connection's drain when
// its turn to write comes; the drain takes the whole queue (one broker call) and hands the messages
// to the sink as one batch (message_sink::send_encoded: each encoded straight into the write
// buffer), under its own mutex so that two drains cannot reorder messages; that is the drain's
// only lock of the connection's (the listen token it drains by and `closed_` are atomic).
#include "amphora/server/websocket_channel.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "access.hpp"
#include "amphora/amf/amf3.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/flex/uuid.hpp"
#include "authentication.hpp"
#include "multi_subscribe.hpp"

namespace amphora::server {
namespace {

using messaging::broker;

// A frame's decoding memory starts small; the limits bound it.
constexpr std::size_t first_block_bytes = 4096;

std::string_view string_header(const flex::abstract_message& m, std::string_view name) noexcept {
  const amf::value* v = m.header(name);
  return v != nullptr && v->is(amf::kind::string) ? v->as_string() : std::string_view{};
}

class flex_connection final : public websocket_connection,
                              public std::enable_shared_from_this<flex_connection> {
 public:
  flex_connection(std::shared_ptr<broker> b, std::shared_ptr<message_sink> sink,
                  const websocket_channel_options& options, detail::login_checker checker,
                  std::shared_ptr<security::login_throttle> throttle, std::string remote, std::string path)
      : broker_(std::move(b)),
        sink_(std::move(sink)),
        ds_id_(flex::new_uuid()),
        access_(options.access),
        allowed_channels_(options.allowed_channels),
        path_(std::move(path)),
        anonymous_role_(options.anonymous_role),
        checker_(std::move(checker)),
        throttle_(std::move(throttle)),
        remote_(std::move(remote)) {
    decode_.limits = options.limits;
    decode_.registry = &flex::registry();
    decode_.copy_input = false;  // the frame outlives the message's handling
    encode_.registry = &flex::registry();
  }

  void on_message(std::span<const std::uint8_t> frame) override {
    if (closed_.load(std::memory_order_acquire)) return;  // after DISCONNECT: the connection is closing
    amf::arena memory(first_block_bytes);
    amf::result<amf::value> v = amf::decode_amf3(frame, memory, decode_);
    if (!v) return refuse_encoding(memory, v.error().message());
    amf::result<flex::message> m = flex::read_message(*v, memory);
    if (!m) return refuse_encoding(memory, m.error().message());
    broker_->touch(ds_id_);
    if (auto* command = std::get_if<flex::command_message>(&*m)) return on_command(memory, *command);
    if (auto* publish = std::get_if<flex::async_message>(&*m)) return on_publish(memory, *publish);
    const auto& any = std::visit([](const auto& x) -> const flex::abstract_message& { return x; }, *m);
    send_error(memory, any, flex::faults::server_processing,
               "This channel takes CommandMessages and AsyncMessages only");
  }

  void on_alive() override { broker_->touch(ds_id_); }

  void on_close() override { release(); }

 private:
  void on_command(amf::arena& memory, const flex::command_message& command) {
    switch (command.operation) {
      case flex::command_operation::client_ping: {
        flex::acknowledge_message ack = flex::make_acknowledge(command, memory);
        flex::set_header(memory, ack, flex::headers::ds_id, amf::value::string(ds_id_));
        flex::set_header(memory, ack, flex::headers::messaging_version, amf::value::number(1.0));
        return send(memory, ack);
      }
      case flex::command_operation::subscribe: {
        const std::string_view subtopic = string_header(command, flex::headers::subtopic);
        if (!reachable(memory, command, command.destination)) return;
        if (!allowed(memory, command, command.destination, detail::subtopic_list(subtopic), "subscribe"))
          return;
        auto r = broker_->subscribe({.ds_id = ds_id_,
                                     .destination = command.destination,
                                     .client_id = command.client_id,
                                     .subtopic = string_header(command, flex::headers::subtopic),
                                     .selector = string_header(command, flex::headers::selector)});
        if (auto* failed = std::get_if<messaging::error>(&r))
          return send_broker_error(memory, command, *failed);
        flex::acknowledge_message ack = flex::make_acknowledge(command, memory);
        ack.client_id = memory.copy(std::get<std::string>(r));  // the subscription id
        send(memory, ack);
        return start_listening();
      }
      case flex::command_operation::multi_subscribe: {
        if (!reachable(memory, command, command.destination)) return;
        // Every added subscription is checked first: a denied one leaves the others unchanged too.
        for (const detail::subscription_entry& e :
             detail::subscription_entries(command, flex::headers::add_sub)) {
          if (!allowed(memory, command, command.destination, detail::subtopic_list(e.subtopic), "subscribe"))
            return;
        }
        auto r = detail::multi_subscribe(*broker_, ds_id_, command);
        if (auto* failed = std::get_if<messaging::error>(&r))
          return send_broker_error(memory, command, *failed);
        flex::acknowledge_message ack = flex::make_acknowledge(command, memory);
        if (const std::string& id = std::get<std::string>(r); !id.empty()) ack.client_id = memory.copy(id);
        send(memory, ack);
        return start_listening();
      }
      case flex::command_operation::unsubscribe:
        broker_->unsubscribe(ds_id_, command.client_id);
        return send(memory, flex::make_acknowledge(command, memory));
      case flex::command_operation::poll:  // nothing to poll: messages are pushed
        return send(memory, flex::make_acknowledge(command, memory));
      case flex::command_operation::disconnect:
        send(memory, flex::make_acknowledge(command, memory));
        release();
        return sink_->close(close_code::normal, "disconnected");
      case flex::command_operation::login:
        return login(command);
      case flex::command_operation::logout: {
        {
          std::lock_guard lock(mutex_);
          user_.reset();
        }
        flex::acknowledge_message ack = flex::make_acknowledge(command, memory);
        ack.body = amf::value::string("success");
        return send(memory, ack);
      }
      default:
        return send_error(memory, command, flex::faults::server_processing,
                          "Command operation " + std::to_string(static_cast<int>(command.operation)) +
                              " is not supported on the WebSocket channel");
    }
  }

  void on_publish(amf::arena& memory, const flex::async_message& message) {
    if (message.message_id.empty()) {
      return send_error(memory, message, flex::faults::server_processing, "The message has a null messageId");
    }
    if (!reachable(memory, message, message.destination)) return;
    if (!allowed(memory, message, message.destination, messaging::published_subtopics(message), "publish")) {
      return;
    }
    auto r = broker_->publish(message);
    if (auto* failed = std::get_if<messaging::error>(&r)) return send_broker_error(memory, message, *failed);
    send(memory, flex::make_acknowledge(message, memory));
  }

  // LOGIN: the gateway's check (authentication.cpp), maybe on a worker; the answer is built from
  // copies (the frame's memory is gone by then). As the gateway's, the ack carries body "success".
  void login(const flex::command_message& command) {
    auto ids = std::make_shared<std::array<std::string, 2>>(
        std::array<std::string, 2>{std::string(command.message_id), std::string(command.client_id)});
    std::weak_ptr<flex_connection> weak = weak_from_this();
    detail::check_login(checker_, remote_, command,
                        [weak, ids, throttle = throttle_](std::shared_ptr<const security::principal> user,
                                                          std::optional<detail::fault> f) {
                          const auto self = weak.lock();
                          if (!self) return;
                          amf::arena memory(first_block_bytes);
                          flex::command_message request;
                          request.message_id = (*ids)[0];
                          request.client_id = (*ids)[1];
                          if (f) return self->send_error(memory, request, f->code, f->message, f->detail);
                          {
                            std::lock_guard lock(self->mutex_);
                            self->user_ = std::move(user);
                          }
                          flex::acknowledge_message ack = flex::make_acknowledge(request, memory);
                          ack.body = amf::value::string("success");
                          self->send(memory, ack);
                        });
  }

  // Whether `destination` may be reached through this WebSocket's path (docs/protocol.md,
  // "Channels of a destination"); false with the fault sent.
  bool reachable(amf::arena& memory, const flex::abstract_message& request, std::string_view destination) {
    if (!allowed_channels_) return true;
    const std::string message = allowed_channels_->refusal(destination, path_);
    if (message.empty()) return true;
    send_error(memory, request, flex::faults::server_processing, message,
               "Channels of '" + std::string(destination) + "': " + allowed_channels_->listed(destination) +
                   "; this connection came to " + path_);
    return false;
  }

  // `privilege` on the destination, or on each of `subtopics`, for the connection's user (the
  // anonymous role before a login); false with the fault sent when the policy denies it.
  bool allowed(amf::arena& memory, const flex::abstract_message& request, std::string_view destination,
               std::span<const std::string_view> subtopics, std::string_view privilege) {
    std::shared_ptr<const security::principal> user;
    {
      std::lock_guard lock(mutex_);
      user = user_;
    }
    const std::optional<detail::fault> f = detail::messaging_access_fault(
        access_.get(), anonymous_role_, user.get(), destination, subtopics, privilege);
    if (!f) return true;
    send_error(memory, request, f->code, f->message, f->detail);
    return false;
  }

  // The connection's FlexClient goes, with its consumers and queue; nothing is pushed any more.
  void release() {
    std::uint64_t token = 0;
    {
      std::lock_guard lock(mutex_);
      if (closed_.load(std::memory_order_relaxed)) return;
      closed_.store(true, std::memory_order_release);
      token = token_.load(std::memory_order_relaxed);
    }
    if (token != 0) broker_->cancel_wait(ds_id_, token);
    broker_->disconnect(ds_id_);
  }

  // After the first subscription: the broker pushes from now on.
  void start_listening() {
    {
      std::lock_guard lock(mutex_);
      if (token_.load(std::memory_order_relaxed) != 0 || closed_.load(std::memory_order_relaxed)) return;
    }
    std::weak_ptr<flex_connection> weak = weak_from_this();
    // Pull mode: a wake tells the sink, which drains on the connection's thread when its turn to
    // write comes, so that what the broker queues meanwhile goes out in the same write.
    sink_->set_drain([weak] {
      if (auto self = weak.lock()) self->drain();
    });
    std::optional<std::uint64_t> token = broker_->listen(ds_id_, [weak] {
      if (auto self = weak.lock()) self->sink_->wake();
    });
    if (token) {
      std::lock_guard lock(mutex_);
      token_.store(*token, std::memory_order_release);
    }
    sink_->wake();  // what was queued before the listener was in place
  }

  // The sink's drain (after a wake): send everything queued, in order.
  void drain() {
    std::lock_guard lock(drain_mutex_);
    if (closed_.load(std::memory_order_acquire)) return;
    taken_.clear();
    // By the listen token (no DSId lookup) once start_listening() has it.
    const std::uint64_t token = token_.load(std::memory_order_acquire);
    const bool known = token != 0 ? broker_->take_into(token, taken_) : broker_->take_into(ds_id_, taken_);
    if (!known) {  // released (over max_clients, idle): the session is over
      sink_->close(close_code::normal, "FlexClient released");
      return;
    }
    // Encoded straight into the sink's write buffer, in one batch (one lock, one copy each).
    sink_->send_encoded(taken_.size(), [this](std::size_t i, std::vector<std::uint8_t>& out) {
      return taken_[i].encode(flex::form::full, out).ok();  // stored messages encode
    });
    taken_.clear();  // the messages go; the vector stays for the next drain
  }

  void send(amf::arena& memory, const flex::message& reply) {
    std::vector<std::uint8_t> bytes;
    amf::result<amf::value> v = flex::to_value(memory, reply, flex::form::full);
    if (!v || !amf::encode_amf3(*v, bytes, encode_)) {
      return sink_->close(close_code::internal_error, "cannot encode the reply");
    }
    sink_->send(std::move(bytes));
  }

  void send_error(amf::arena& memory, const flex::abstract_message& request, std::string_view code,
                  std::string message, std::string_view detail = {}) {
    const std::string_view text = memory.copy(message);
    const std::string_view more = memory.copy(detail);
    send(memory, flex::make_error(request, memory, code, text, more));
  }

  void send_broker_error(amf::arena& memory, const flex::abstract_message& request,
                         const messaging::error& e) {
    const std::string_view code = e.code == messaging::errc::unknown_destination
                                      ? flex::faults::server_resource_unavailable
                                      : flex::faults::server_processing;
    send_error(memory, request, code, e.message, e.detail);
  }

  // A frame that is not one AMF3 Flex message: an ErrorMessage correlated to nothing.
  void refuse_encoding(amf::arena& memory, std::string detail) {
    send_error(memory, flex::abstract_message{}, flex::faults::client_message_encoding,
               "The frame is not one AMF3-encoded Flex message", detail);
  }

  std::shared_ptr<broker> broker_;
  std::shared_ptr<message_sink> sink_;
  const std::string ds_id_;
  std::shared_ptr<security::policy_store> access_;
  std::shared_ptr<const destination_channels> allowed_channels_;
  std::string path_;  // where the WebSocket was opened: the channel, for allowed_channels_
  std::string anonymous_role_;
  detail::login_checker checker_;
  std::shared_ptr<security::login_throttle> throttle_;  // checker_'s, kept alive
  std::string remote_;
  amf::decode_options decode_;
  amf::encode_options encode_;
  std::mutex drain_mutex_;  // one drain at a time: pushes keep the queue's order; guards taken_
  std::vector<messaging::delivery> taken_;
  std::mutex mutex_;  // guards user_, and the changes of token_ and closed_
  // The broker's listen token once start_listening() has it (0 until then: the broker's tokens are
  // never 0); read without the lock by each drain.
  std::atomic<std::uint64_t> token_{0};
  std::shared_ptr<const security::principal> user_;  // after LOGIN, until LOGOUT
  // After DISCONNECT or the close: read without the lock by each frame and drain (a drain that
  // read false just before the change finds the FlexClient released, as before).
  std::atomic<bool> closed_{false};
};

class flex_channel final : public websocket_handler {
 public:
  flex_channel(std::shared_ptr<broker> b, websocket_channel_options options)
      : broker_(std::move(b)),
        options_(std::move(options)),
        throttle_(std::make_shared<security::login_throttle>(options_.throttle)) {}

  std::shared_ptr<websocket_connection> open(const request_view& request,
                                             std::shared_ptr<message_sink> sink) override {
    return std::make_shared<flex_connection>(
        broker_, std::move(sink), options_,
        detail::login_checker{options_.authenticator, throttle_.get(), options_.runner}, throttle_,
        std::string(request.remote_address), std::string(request.path));
  }

 private:
  std::shared_ptr<broker> broker_;
  websocket_channel_options options_;
  std::shared_ptr<security::login_throttle> throttle_;  // one for every connection of the channel
};

}  // namespace

amf::limits websocket_channel_options::default_limits() noexcept {
  amf::limits l;
  l.max_input_bytes = 1u << 20;
  l.max_string_bytes = 1u << 20;
  l.max_elements = 1u << 16;
  l.max_string_refs = 1u << 16;
  l.max_object_refs = 1u << 16;
  l.max_trait_refs = 1u << 12;
  l.max_depth = 64;
  l.max_memory_bytes = 16u << 20;
  return l;
}

std::shared_ptr<websocket_handler> make_websocket_channel(std::shared_ptr<messaging::broker> broker,
                                                          websocket_channel_options options) {
  return std::make_shared<flex_channel>(std::move(broker), std::move(options));
}

}  // namespace amphora::server
