// Messaging through the AMF gateway (docs/protocol.md, "Messaging"): SUBSCRIBE, UNSUBSCRIBE,
// MULTI_SUBSCRIBE, POLL and published AsyncMessages, against the gateway's messaging::broker.
//
// Polls: a poll is answered with CLIENT_SYNC (op 4) whose body is the array of queued messages
// (full form), or with an acknowledgement when none is queued. On a long-polling endpoint a lone
// poll (not inside a batch) with nothing queued parks: the answer goes out when a message is
// queued for the client, when the wait interval ends, when the client is released, or when the
// gateway shuts down, whichever comes first (the broker's one-shot waiter decides which, so the
// answer goes out once). A second parked poll of the same client is answered at once with
// DSNoOpPoll.
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "access.hpp"
#include "amphora/flex/constants.hpp"
#include "multi_subscribe.hpp"
#include "processors.hpp"

namespace amphora::server::detail {
namespace {

using messaging::broker;

// BlazeDS's DSPollWait when a poll could not park on an endpoint that parks polls (all slots
// busy, or a batch): the client waits this long before polling again instead of busy polling.
constexpr double busy_poll_wait_ms = 3000;

std::string_view string_header(const flex::abstract_message& m, std::string_view name) noexcept {
  const amf::value* v = m.header(name);
  return v != nullptr && v->is(amf::kind::string) ? v->as_string() : std::string_view{};
}

void answer_error(const messaging_call& call, const flex::abstract_message& request, std::string_view code,
                  std::string_view message, std::string_view detail = {}) {
  call.ex.answer(call.index, flex_error(call.ex, call.index, request, code, message, detail));
}

void answer_broker_error(const messaging_call& call, const flex::abstract_message& request,
                         const messaging::error& e) {
  const std::string_view code =
      e.code == messaging::errc::unknown_destination ? fault_unavailable : fault_processing;
  answer_error(call, request, code, e.message, e.detail);
}

// Access control (docs/security.md, "Access control"): `privilege` on the destination, or on
// each of `subtopics`. False with the fault answered when the policy denies it.
bool allowed(const messaging_call& call, const flex::abstract_message& request, std::string_view destination,
             std::span<const std::string_view> subtopics, std::string_view privilege) {
  const gateway_options& o = call.ex.gateway().options;
  const std::optional<fault> f = messaging_access_fault(
      o.access.get(), o.anonymous_role, call.ex.context().user, destination, subtopics, privilege);
  if (!f) return true;
  answer_error(call, request, f->code, f->message, f->detail);
  return false;
}

// Whether `destination` may be reached through the endpoint of this request (docs/protocol.md,
// "Channels of a destination"); false with the fault answered.
bool reachable(const messaging_call& call, const flex::abstract_message& request,
               std::string_view destination) {
  const std::optional<fault> f = call.ex.channel_fault(destination);
  if (!f) return true;
  answer_error(call, request, f->code, f->message, f->detail);
  return false;
}

// The broker, or a fault answered (this gateway serves remoting only). `what()` names the refused
// request: built only then, not for every poll.
template <class What>
broker* broker_or_refuse(const messaging_call& call, const flex::abstract_message& request, What what) {
  broker* b = call.ex.gateway().options.broker.get();
  if (b == nullptr)
    answer_error(call, request, fault_unavailable, what() + " is not supported by this endpoint");
  return b;
}

// The answer to a poll: CLIENT_SYNC with the messages, or an acknowledgement. `poll_wait` > 0
// adds DSPollWait.
void answer_poll(const messaging_call& call, const flex::command_message& poll,
                 std::vector<messaging::delivery> messages, double poll_wait) {
  amf::arena& memory = call.ex.memory();
  flex::message reply;
  if (messages.empty()) {
    reply = flex::make_acknowledge(poll, memory);
  } else {
    flex::command_message sync = flex::make_command(flex::command_operation::client_sync, memory);
    sync.correlation_id = poll.message_id;
    amf::array_node* list = amf::new_array(memory);
    if (list == nullptr || !list->dense.reserve(memory, messages.size())) throw std::bad_alloc();
    for (const messaging::delivery& d : messages) {
      amf::result<amf::value> v = flex::to_value(memory, d.to_flex(memory), flex::form::full);
      if (!v || !list->dense.push_back(memory, *v)) throw std::bad_alloc();
    }
    sync.body = amf::value::of(list);
    reply = sync;
    call.ex.keep(std::move(messages));
  }
  if (poll_wait > 0) {
    auto& m = std::visit([](auto& x) -> flex::abstract_message& { return x; }, reply);
    if (!flex::set_header(memory, m, flex::headers::poll_wait,
                          amf::value::integer(static_cast<std::int64_t>(poll_wait)))) {
      throw std::bad_alloc();
    }
  }
  call.ex.answer(call.index, flex_result(call.ex, call.index, reply, call.small));
}

// DSNoOpPoll: another poll of this client is parked; this one is answered at once and the client
// does not schedule another (BlazeDS: CLIENT_SYNC with the header and no body).
void answer_no_op_poll(const messaging_call& call, const flex::command_message& poll) {
  amf::arena& memory = call.ex.memory();
  flex::command_message sync = flex::make_command(flex::command_operation::client_sync, memory);
  sync.correlation_id = poll.message_id;
  if (!flex::set_header(memory, sync, flex::headers::no_op_poll, amf::value::boolean(true)))
    throw std::bad_alloc();
  call.ex.answer(call.index, flex_result(call.ex, call.index, sync, call.small));
}

// One parked poll. Exactly one of wake (the broker's), timeout and shutdown answers it: wake is
// called by the broker after it forgot the waiter; the other two first take the waiter back with
// cancel_wait, which fails if wake won.
class parked_poll : public std::enable_shared_from_this<parked_poll> {
 public:
  parked_poll(std::shared_ptr<exchange> ex, std::size_t index, std::string_view ds_id, bool small,
              const flex::command_message& poll, channel_state& channel)
      : ex_(std::move(ex)), index_(index), ds_id_(ds_id), small_(small), poll_(poll), channel_(channel) {}

  // The broker's wake: messages were queued, or the client was released.
  void wake() { finish(); }

  // The wait interval ended, or the gateway is shutting down.
  void end_wait() {
    if (broker_().cancel_wait(ds_id_, token_)) finish();
  }

  void start(std::uint64_t token) {
    gateway_state& g = ex_->gateway();
    std::lock_guard lock(mutex_);
    token_ = token;
    if (finished_) return;  // woken before we got here
    std::weak_ptr<parked_poll> weak = weak_from_this();
    parked_id_ = g.parked.add([weak] {
      if (auto self = weak.lock()) self->end_wait();
    });
    timer_ = g.options.timers->schedule(channel_.settings.wait_interval, [weak] {
      if (auto self = weak.lock()) self->end_wait();
    });
  }

 private:
  broker& broker_() { return *ex_->gateway().options.broker; }

  void finish() {
    gateway_state& g = ex_->gateway();
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      finished_ = true;
    }
    if (timer_ != 0) g.options.timers->cancel(timer_);
    if (parked_id_ != 0) g.parked.remove(parked_id_);
    channel_.waiting.fetch_sub(1, std::memory_order_acq_rel);
    const double wait = static_cast<double>(channel_.settings.client_wait_interval.count());
    messaging_call call{*ex_, index_, ds_id_, small_};
    try {
      answer_poll(call, poll_, broker_().take(ds_id_), wait);
    } catch (...) {
      ex_->answer(index_, amf::packet_body{});  // out of memory: the reply becomes an HTTP 500
    }
  }

  std::shared_ptr<exchange> ex_;
  std::size_t index_;
  std::string_view ds_id_;  // in the exchange's arena, which ex_ keeps
  bool small_;
  flex::command_message poll_;  // views into the exchange's arena, which ex_ keeps
  channel_state& channel_;
  std::mutex mutex_;
  bool finished_ = false;
  std::uint64_t token_ = 0;
  std::uint64_t parked_id_ = 0;
  timer_service::timer_id timer_ = 0;
};

void run_poll(const messaging_call& call, const flex::command_message& poll, broker& b) {
  exchange& ex = call.ex;
  gateway_state& g = ex.gateway();
  channel_state* channel = ex.channel();
  const bool waiting_endpoint = channel != nullptr && channel->can_wait() && g.options.timers != nullptr;
  const bool alone = ex.request().bodies.size() == 1;  // polls inside a batch never wait
  bool slot = false;
  if (waiting_endpoint && alone && !g.stopping.load()) {
    slot = channel->waiting.fetch_add(1, std::memory_order_acq_rel) < channel->settings.max_waiting_polls;
    if (!slot) channel->waiting.fetch_sub(1, std::memory_order_acq_rel);
  }
  if (!slot) {
    answer_poll(call, poll, b.take(call.ds_id), waiting_endpoint ? busy_poll_wait_ms : 0);
    return;
  }
  auto parked = std::make_shared<parked_poll>(ex.shared_from_this(), call.index, call.ds_id, call.small, poll,
                                              *channel);
  broker::wait_result r = b.take_or_wait(call.ds_id, [parked] { parked->wake(); });
  switch (r.status) {
    case broker::wait_status::parked:
      parked->start(r.token);
      return;
    case broker::wait_status::ready:
      channel->waiting.fetch_sub(1, std::memory_order_acq_rel);
      answer_poll(call, poll, std::move(r.messages),
                  static_cast<double>(channel->settings.client_wait_interval.count()));
      return;
    case broker::wait_status::busy:
      channel->waiting.fetch_sub(1, std::memory_order_acq_rel);
      answer_no_op_poll(call, poll);
      return;
  }
}

void run_multi_subscribe(const messaging_call& call, const flex::command_message& command, broker& b) {
  if (!reachable(call, command, command.destination)) return;
  // Every added subscription is checked first: a denied one leaves the others unchanged too.
  for (const subscription_entry& e : subscription_entries(command, flex::headers::add_sub)) {
    if (!allowed(call, command, command.destination, subtopic_list(e.subtopic), "subscribe")) return;
  }
  auto r = multi_subscribe(b, call.ds_id, command);
  if (auto* failed = std::get_if<messaging::error>(&r)) return answer_broker_error(call, command, *failed);
  flex::acknowledge_message ack = flex::make_acknowledge(command, call.ex.memory());
  if (const std::string& id = std::get<std::string>(r); !id.empty())
    ack.client_id = call.ex.memory().copy(id);
  call.ex.answer(call.index, flex_result(call.ex, call.index, ack, call.small));
}

}  // namespace

void run_messaging_command(const messaging_call& call, const flex::command_message& command) {
  const int op = static_cast<int>(command.operation);
  broker* b = broker_or_refuse(call, command, [op] { return "Command operation " + std::to_string(op); });
  if (b == nullptr) return;
  if (call.ds_id.empty()) {
    return answer_error(
        call, command, fault_processing,
        "Messaging needs a FlexClient id: send CLIENT_PING first and then the DSId it returns");
  }
  // A poll's take (or take_or_wait) keeps the FlexClient alive itself, under the same lock: one
  // broker call per poll, not two.
  if (command.operation != flex::command_operation::poll) b->touch(call.ds_id);
  switch (command.operation) {
    case flex::command_operation::subscribe: {
      const std::string_view subtopic = string_header(command, flex::headers::subtopic);
      if (!reachable(call, command, command.destination)) return;
      if (!allowed(call, command, command.destination, subtopic_list(subtopic), "subscribe")) return;
      auto r = b->subscribe({.ds_id = call.ds_id,
                             .destination = command.destination,
                             .client_id = command.client_id,
                             .subtopic = string_header(command, flex::headers::subtopic),
                             .selector = string_header(command, flex::headers::selector)});
      if (auto* failed = std::get_if<messaging::error>(&r))
        return answer_broker_error(call, command, *failed);
      flex::acknowledge_message ack = flex::make_acknowledge(command, call.ex.memory());
      ack.client_id = call.ex.memory().copy(std::get<std::string>(r));  // the subscription id
      return call.ex.answer(call.index, flex_result(call.ex, call.index, ack, call.small));
    }
    case flex::command_operation::unsubscribe:
      b->unsubscribe(call.ds_id, command.client_id);  // unknown ones too: the state the client wants
      return call.ex.answer(
          call.index,
          flex_result(call.ex, call.index, flex::make_acknowledge(command, call.ex.memory()), call.small));
    case flex::command_operation::multi_subscribe:
      return run_multi_subscribe(call, command, *b);
    default:  // poll
      return run_poll(call, command, *b);
  }
}

void run_publish(const messaging_call& call, const flex::async_message& message) {
  broker* b = broker_or_refuse(call, message, [] { return std::string("Publishing"); });
  if (b == nullptr) return;
  if (message.message_id.empty())
    return answer_error(call, message, fault_processing, "The message has a null messageId");
  if (!reachable(call, message, message.destination)) return;
  if (!allowed(call, message, message.destination, messaging::published_subtopics(message), "publish"))
    return;
  auto r = b->publish(message);
  if (auto* failed = std::get_if<messaging::error>(&r)) return answer_broker_error(call, message, *failed);
  call.ex.answer(call.index, flex_result(call.ex, call.index,
                                         flex::make_acknowledge(message, call.ex.memory()), call.small));
}

void release_messaging(exchange& ex, std::string_view ds_id) {
  if (broker* b = ex.gateway().options.broker.get(); b != nullptr && !ds_id.empty()) b->disconnect(ds_id);
}

}  // namespace amphora::server::detail
