// Flex/Royale RemoteObject: a body with target "null" holds one message ([message], or the
// message itself). CommandMessages do the handshake (ping -> DSId), RemotingMessages call
// operations. Answers are AcknowledgeMessages (DSK once the client announced small messages) on
// "/N/onResult", ErrorMessages on "/N/onStatus"; see docs/remoting.md.
#include <optional>
#include <string>
#include <variant>

#include "amphora/flex/messages.hpp"
#include "authentication.hpp"
#include "processors.hpp"

namespace amphora::server::detail {
namespace {

const flex::abstract_message& common_part(const flex::message& m) noexcept {
  return std::visit([](const auto& x) -> const flex::abstract_message& { return x; }, m);
}

amf::value avmplus(amf::value v) noexcept {
  v.set_flags(static_cast<std::uint8_t>(v.flags() | amf::value::flag_avmplus));
  return v;
}

std::string_view string_header(const flex::abstract_message& m, std::string_view name) noexcept {
  const amf::value* v = m.header(name);
  return v != nullptr && v->is(amf::kind::string) ? v->as_string() : std::string_view{};
}

int messaging_version(const flex::abstract_message& m) noexcept {
  const amf::value* v = m.header(flex::headers::messaging_version);
  if (v == nullptr || !v->is_number()) return 0;
  const double d = v->to_double();
  return d >= 1 ? (d > 1000 ? 1000 : static_cast<int>(d)) : 0;
}

// One Flex body being answered.
class flex_body {
 public:
  flex_body(exchange& ex, std::size_t index) : ex_(ex), index_(index) {}

  void run() {
    amf::result<flex::message> read = flex::read_message(ex_.request().bodies[index_].val, ex_.memory());
    if (!read)
      return reply(error_body(flex::abstract_message{}, fault_encoding, "The message could not be read"));
    message_ = *read;
    const flex::abstract_message& m = common_part(message_);
    ds_id_ = string_header(m, flex::headers::ds_id);
    if (!ds_id_.empty()) known_ = ex_.gateway().clients.touch(ds_id_);
    if (!known_) ds_id_ = {};  // an id we did not issue proves nothing
    if (known_) use_client_user(ex_, ds_id_);

    if (const auto* command = std::get_if<flex::command_message>(&message_)) return run_command(*command);
    if (const auto* call = std::get_if<flex::remoting_message>(&message_)) return run_remoting(*call);
    if (const auto* publish = std::get_if<flex::async_message>(&message_)) {
      return run_publish(messaging_call{ex_, index_, ds_id_, small()}, *publish);
    }
    reply(error_body(m, fault_encoding, "A client may not send acknowledgements or errors"));
  }

  // ErrorMessages are never small; the clientId matches the ack's when one was prepared.
  amf::packet_body error_body(const flex::abstract_message& request, std::string_view code,
                              std::string_view message, std::string_view detail = {}) {
    return flex_error(ex_, index_, request, code, message, detail, ack_.client_id);
  }

 private:
  void run_command(const flex::command_message& command) {
    switch (command.operation) {
      case flex::command_operation::client_ping:  // also the channels' heartbeat (header DS<3)
        if (messaging::broker* b = ex_.gateway().options.broker.get(); b != nullptr && known_) {
          b->touch(ds_id_);  // keeps the FlexClient and its subscriptions alive
        }
        return reply(ack_body(ping_ack(command)));
      case flex::command_operation::trigger_connect:
      case flex::command_operation::cluster_request:  // not clustered: no failover URLs (null body)
        return reply(ack_body(flex::make_acknowledge(command, ex_.memory())));
      case flex::command_operation::subscribe:
      case flex::command_operation::unsubscribe:
      case flex::command_operation::multi_subscribe:
      case flex::command_operation::poll:
        return run_messaging_command(messaging_call{ex_, index_, ds_id_, small()}, command);
      case flex::command_operation::disconnect:
        release_messaging(ex_, ds_id_);
        if (known_) ex_.gateway().clients.forget(ds_id_);
        known_.reset();
        return reply(ack_body(flex::make_acknowledge(command, ex_.memory())));
      case flex::command_operation::login:
        return run_login(command);
      case flex::command_operation::logout:
        logout(ex_, ds_id_);
        return reply(ack_body(success_ack(command)));
      default:
        return reply(error_body(command, fault_unavailable,
                                "Command operation " + std::to_string(static_cast<int>(command.operation)) +
                                    " is not supported by this endpoint"));
    }
  }

  // The DSId handshake: a known id is kept, anything else ("nil", none, an id we never issued)
  // gets a fresh one. The ack carries DSId and DSMessagingVersion (ping and login acks only).
  flex::acknowledge_message ping_ack(const flex::command_message& ping) {
    client_registry& clients = ex_.gateway().clients;
    const int version = messaging_version(ping);
    if (known_) {
      if (version > known_->messaging_version) {
        clients.update(ds_id_, version);
        known_->messaging_version = version;
      }
    } else {
      ds_id_ = ex_.memory().copy(clients.issue(version));
      known_ = client_registry::client{version};
    }
    flex::acknowledge_message ack = flex::make_acknowledge(ping, ex_.memory());
    if (!flex::set_header(ex_.memory(), ack, flex::headers::ds_id, amf::value::string(ds_id_)) ||
        !flex::set_header(ex_.memory(), ack, flex::headers::messaging_version, amf::value::number(1.0))) {
      throw std::bad_alloc();
    }
    return ack;
  }

  // LOGIN (authentication.cpp checks the credentials, on the blocking runner): the ack is a
  // ping's (DSId, DSMessagingVersion) with body "success", as BlazeDS answers.
  void run_login(const flex::command_message& login) {
    // The continuation holds the exchange: on the worker pool it runs after handle() has
    // returned, and it answers through the exchange (whose arena holds the LOGIN message).
    check_login(ex_, login,
                [self = *this, login, keep = ex_.shared_from_this()](
                    std::shared_ptr<const security::principal> user, std::optional<fault> f) mutable {
                  if (f) return self.reply(self.error_body(login, f->code, f->message, f->detail));
                  flex::acknowledge_message ack = self.ping_ack(login);
                  bind_login(self.ex_, self.ds_id_, std::move(user));
                  ack.body = amf::value::string("success");
                  self.reply(self.ack_body(ack));
                });
  }

  flex::acknowledge_message success_ack(const flex::command_message& command) {
    flex::acknowledge_message ack = flex::make_acknowledge(command, ex_.memory());
    ack.body = amf::value::string("success");
    return ack;
  }

  void run_remoting(const flex::remoting_message& call) {
    ack_ = flex::make_acknowledge(call, ex_.memory());
    const destination* d = ex_.gateway().services.find(call.destination);
    if (d == nullptr) {
      return reply(
          error_body(call, fault_unavailable, "No destination '" + std::string(call.destination) + "'"));
    }
    const destination::entry* op = d->find(call.operation);
    if (op == nullptr) {
      return reply(error_body(call, fault_unavailable,
                              "No operation '" + std::string(call.operation) + "' on destination '" +
                                  std::string(call.destination) + "'"));
    }
    call_context& ctx = ex_.context();
    ctx.destination = call.destination;
    ctx.operation = call.operation;
    ctx.style = client_style::flex;
    ctx.message_headers = call.headers;
    ctx.ds_id = ds_id_;
    ctx.client_id = ack_.client_id;
    // `this` lives in the continuation: the exchange keeps the arena and message alive.
    // The continuation gets a copy of this object (views into the exchange's arena, which the
    // exchange keeps alive until the reply).
    ex_.call(*op, call.arguments(), [self = *this](outcome o) mutable {
      if (o.ok) {
        self.ack_.body = o.result;
        self.reply(self.ack_body(self.ack_));
      } else {
        self.reply(
            self.error_body(common_part(self.message_), o.error.code, o.error.message, o.error.detail));
      }
    });
  }

  amf::packet_body ack_body(const flex::acknowledge_message& ack) {
    return flex_result(ex_, index_, ack, small());
  }

  // Acknowledgements may be small: the client announced DSMessagingVersion >= 1 on its ping.
  bool small() const noexcept {
    return ex_.gateway().options.small_messages && known_ && known_->messaging_version >= 1;
  }

  void reply(amf::packet_body b) { ex_.answer(index_, b); }

  exchange& ex_;
  std::size_t index_;
  flex::message message_;
  std::string_view ds_id_;  // known ids only
  std::optional<client_registry::client> known_;
  flex::acknowledge_message ack_;
};

amf::packet_body reply_body(exchange& ex, std::size_t index, std::string_view suffix,
                            const amf::result<amf::value>& v) {
  const amf::packet_body& request = ex.request().bodies[index];
  amf::packet_body out{ex.concat(request.response, suffix), "", {}};
  if (v && !out.target.empty()) out.val = avmplus(*v);
  return out;
}

}  // namespace

amf::packet_body flex_result(exchange& ex, std::size_t index, const flex::message& reply, bool small) {
  return reply_body(ex, index, "/onResult",
                    flex::to_value(ex.memory(), reply, small ? flex::form::small : flex::form::full));
}

amf::packet_body flex_error(exchange& ex, std::size_t index, const flex::abstract_message& request,
                            std::string_view code, std::string_view message, std::string_view detail,
                            std::string_view client_id) {
  amf::arena& memory = ex.memory();
  flex::error_message error =
      flex::make_error(request, memory, memory.copy(code), memory.copy(message), memory.copy(detail));
  if (!client_id.empty()) error.client_id = client_id;
  return reply_body(ex, index, "/onStatus", flex::to_value(memory, error));
}

void run_flex_body(exchange& ex, std::size_t index) { flex_body(ex, index).run(); }

amf::packet_body flex_fault(exchange& ex, std::size_t index, const fault& f) {
  amf::result<flex::message> read = flex::read_message(ex.request().bodies[index].val, ex.memory());
  flex_body b(ex, index);
  return b.error_body(read ? common_part(*read) : flex::abstract_message{}, f.code, f.message, f.detail);
}

}  // namespace amphora::server::detail
