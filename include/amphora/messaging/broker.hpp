// The message broker (publish/subscribe, BlazeDS's MessageService with its ActionScriptAdapter):
// destinations, consumers and their subscriptions, FlexClient sessions with bounded outbound
// queues. No I/O and no threads of its own: channels (polling, long-polling, streaming,
// WebSocket) take messages out of a client's queue, and may register a `wake` callback so they
// need not poll the queue. Every member is thread-safe (one mutex; callbacks run outside it).
//
//   messaging::broker_config cfg;
//   cfg.destinations.emplace_back().name = "chat";
//   messaging::broker b(cfg);
//   auto id = b.subscribe({ds_id, "chat", /*client_id*/ "", /*subtopic*/ "rooms.*", /*selector*/ ""});
//   b.publish(message);                   // a flex::async_message, copied once
//   for (auto& d : b.take(ds_id)) send(d.to_message());   // clientId = the subscription's id
//
// Terms (docs/protocol.md, "Messaging"):
//  - FlexClient: one client runtime, keyed by its DSId. It owns one outbound queue (bounded by
//    max_queue: when full, the oldest message is dropped and counted) and is released with all
//    its consumers after client_idle_timeout without any call naming it.
//  - consumer: a Flex Consumer (MessageAgent) on one destination, keyed by its clientId (the
//    subscription id the subscribe ack returns). It holds one or more subscriptions, each a
//    (subtopic, selector) pair; a message matching any of them is queued once for the consumer,
//    with clientId = the consumer's id.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "amphora/flex/messages.hpp"
#include "amphora/messaging/stored_message.hpp"

namespace amphora::messaging {

struct destination_config {
  std::string name;
  bool allow_subtopics = true;
  std::string subtopic_separator = ".";
  bool allow_wildcard_subtopics = true;  // BlazeDS: disallow-wildcard-subtopics (inverted)
  // BlazeDS's message-time-to-live: when above zero it replaces every message's timeToLive.
  // Zero: each message's own timeToLive applies (0 there: no expiry).
  std::chrono::milliseconds message_ttl{0};
  // BlazeDS's subscription-timeout-minutes: a consumer whose FlexClient made no call (request,
  // poll, heartbeat) for this long is unsubscribed by the server, and the client is told with a
  // SUBSCRIPTION_INVALIDATE queued in its place (delivery::invalidated). Zero: never.
  std::chrono::milliseconds subscription_timeout{0};
  // BlazeDS's max-cache-size: messages of this destination waiting for one consumer; when full,
  // that consumer's oldest waiting message is dropped (counted). Zero: only max_queue bounds them.
  std::size_t max_queue = 0;
};

struct broker_config {
  std::vector<destination_config> destinations;
  std::size_t max_queue = 1000;  // messages waiting per FlexClient; when full the oldest is dropped
  std::chrono::milliseconds client_idle_timeout{30 * 60 * 1000};
  std::size_t max_clients = 100000;                 // FlexClients with state; the least recently seen goes
  std::size_t max_consumers_per_client = 64;        // consumers one FlexClient may hold
  std::size_t max_subscriptions_per_consumer = 64;  // (subtopic, selector) pairs per consumer
  std::size_t max_id_bytes = 128;                   // client-chosen consumer ids
  std::size_t max_selector_bytes = 4096;
  std::size_t max_message_bytes = 1 << 20;  // AMF3 size of a published message
  // Where a publish's wakes run. Null: on the publishing thread, one after another, before
  // publish() returns. Set: publish() hands them to `post_wakes` in batches of up to
  // `wake_batch`, one call per batch, and returns (a server posts each batch to its I/O
  // threads, so that a message to many subscribers is pushed from every core and the
  // publisher's acknowledgement does not wait for the pushes). Two batches are handed over at
  // once; each hands over the next when it has run, so that what the I/O threads receive
  // meanwhile is not queued behind all of a publish's pushes. `post_wakes` runs the function it
  // is given once, on any thread (or at once, on the calling thread).
  std::function<void(std::function<void()>)> post_wakes;
  std::size_t wake_batch = 256;
  // The FlexClients' queues are blocks of 8 deliveries taken from a free list they share; a
  // drained queue gives its blocks back (an empty queue holds none). The free list keeps up to
  // this many bytes of blocks for reuse (16 MiB: about 400,000 waiting deliveries' worth), so
  // that a warm broker takes no fresh memory for its backlogs; blocks beyond it are freed.
  std::size_t spare_queue_bytes = 16 << 20;
};

enum class errc {
  unknown_destination,
  subtopics_not_allowed,  // the destination has allow_subtopics = false
  invalid_subtopic,       // empty token, or `*` mixed into a token, or `*` in a published subtopic
  wildcard_not_allowed,   // the destination disallows wildcard subscriptions
  invalid_selector,
  invalid_client_id,  // too long
  client_id_in_use,   // the consumer id belongs to another FlexClient or destination
  too_many,           // a per-client limit (consumers, subscriptions)
  invalid_message,    // cannot be copied (not encodable, too large)
};

struct error {
  errc code;
  std::string message;  // for the client's faultString
  std::string detail;   // for faultDetail (e.g. where a selector failed to parse)
};

// One message queued for one consumer, or the notice that the server dropped a consumer.
struct delivery {
  std::shared_ptr<const stored_message> message;
  // The consumer's (subscription) id, with its UUID bytes for the small form.
  std::shared_ptr<const subscriber_id> client_id;
  // The server unsubscribed the consumer (subscription timeout): `message` is then an empty
  // message whose destination is the consumer's, and the client is sent SUBSCRIPTION_INVALIDATE.
  bool invalidated = false;

  // The copy the subscriber receives: the stored message with clientId = client_id->text(). Views into
  // *message and *client_id: keep this delivery alive while the result is used.
  flex::async_message to_message() const;
  // What the channel sends: to_message(), or for an invalidated consumer a CommandMessage
  // SUBSCRIPTION_INVALIDATE (op 10) with its clientId and destination (fresh messageId from
  // `memory`).
  flex::message to_flex(amf::arena& memory) const;
  // to_flex() in form `f`, AMF3-encoded onto `out` (what the push channels send). A message's
  // bytes come from its stored_message, which encodes them once for every subscriber.
  amf::status encode(flex::form f, std::vector<std::uint8_t>& out) const;
};

struct subscribe_request {
  std::string_view ds_id;        // the FlexClient
  std::string_view destination;  // a configured destination
  std::string_view client_id;    // the consumer's id; "" = a fresh one
  std::string_view subtopic;     // "" = none
  std::string_view selector;     // "" = none
};

struct broker_stats {
  std::size_t clients = 0;
  std::size_t consumers = 0;
  std::size_t queued = 0;         // deliveries waiting in queues now
  std::size_t waiting = 0;        // FlexClients with a waiter or listener registered now
  std::uint64_t published = 0;    // messages accepted by publish()
  std::uint64_t delivered = 0;    // deliveries handed out by take()
  std::uint64_t dropped = 0;      // deliveries dropped because a queue was full
  std::uint64_t expired = 0;      // deliveries dropped because their time to live passed
  std::uint64_t released = 0;     // FlexClients released (disconnect, idle, over max_clients)
  std::uint64_t invalidated = 0;  // consumers dropped by a subscription timeout
};

// The subtopics a published message names: header DSSubtopic as a string or an array of strings
// (BlazeDS accepts both); empty strings and other values are ignored.
std::vector<std::string_view> published_subtopics(const flex::abstract_message& m);

class broker {
 public:
  using clock = std::chrono::steady_clock;
  using wake_fn = std::function<void()>;

  // `now` is the clock for idle timeouts and TTLs (tests pass a fake one).
  explicit broker(broker_config config, std::function<clock::time_point()> now = &clock::now);
  ~broker();
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  const broker_config& config() const noexcept;
  const destination_config* find_destination(std::string_view name) const noexcept;

  // ---- subscriptions ----

  // Adds a (subtopic, selector) subscription to a consumer, creating the consumer (and the
  // FlexClient's state) if needed; subscribing twice with the same pair is harmless. Returns the
  // consumer's id: request.client_id, or a fresh one (CSPRNG) when it was empty.
  std::variant<std::string, error> subscribe(const subscribe_request& request);
  // Removes one (subtopic, selector) pair; the consumer goes when it has none left. False if
  // there was no such pair of this FlexClient's consumer.
  bool remove_subscription(std::string_view ds_id, std::string_view client_id, std::string_view subtopic,
                           std::string_view selector);
  // Removes the consumer and all its subscriptions (UNSUBSCRIBE). False if unknown.
  bool unsubscribe(std::string_view ds_id, std::string_view client_id);
  // Releases the FlexClient: its consumers, its queue; its waiter (if any) is woken.
  void disconnect(std::string_view ds_id);

  // ---- publishing ----

  // Copies `m` once and queues it for every consumer of m.destination with a matching
  // subscription, or, when header DSDstClientId names a consumer of that destination, for that
  // consumer only. Subtopic: header DSSubtopic (a string, or an array of strings). Returns the
  // number of deliveries queued. Waiters of the clients that got messages are woken after the
  // broker's lock is released: from this thread, or through config.post_wakes.
  std::variant<std::size_t, error> publish(const flex::async_message& m);

  // ---- receiving ----

  // Up to `max` deliveries of the FlexClient's queue, oldest first (expired ones are dropped).
  // Refreshes the client's idle time.
  std::vector<delivery> take(std::string_view ds_id, std::size_t max = static_cast<std::size_t>(-1));

  // For a push channel's drain: appends up to `max` deliveries of the FlexClient's queue to `out`
  // (oldest first, expired ones dropped; `out` keeps its capacity from one drain to the next) and
  // refreshes its idle time. False if the FlexClient has no state any more (released): one call
  // and one lookup where has_client() and take() make two.
  bool take_into(std::string_view ds_id, std::vector<delivery>& out,
                 std::size_t max = static_cast<std::size_t>(-1));
  // The same for the FlexClient whose listener is registered under `listen_token` (what
  // listen() returned): no DSId lookup. False if that listener is gone (cancelled, or the client
  // released).
  bool take_into(std::uint64_t listen_token, std::vector<delivery>& out,
                 std::size_t max = static_cast<std::size_t>(-1));

  enum class wait_status {
    ready,   // messages were queued: they are in `messages`, nothing was registered
    parked,  // `wake` is registered under `token`
    busy,    // another waiter or listener is registered for this FlexClient: nothing done
  };
  struct wait_result {
    wait_status status = wait_status::busy;
    std::vector<delivery> messages;
    std::uint64_t token = 0;
  };
  // For a long poll: takes the queue if it holds messages; otherwise registers `wake`, called
  // once (then forgotten) when a message is queued for this client or the client is released.
  // `wake` runs on the publishing (or releasing) thread, outside the broker's lock; it typically
  // calls take(). Creates the FlexClient's state if needed.
  wait_result take_or_wait(std::string_view ds_id, wake_fn wake);
  // For a push channel (streaming, WebSocket): registers `wake`, called every time the queue goes
  // from empty to non-empty, and once when the client is released (take_into() then returns
  // false). The channel drains with take_into() after each wake.
  // nullopt if another waiter or listener is registered. The token (never 0) also drains the
  // queue: take_into(token, ...).
  std::optional<std::uint64_t> listen(std::string_view ds_id, wake_fn wake);
  // Removes the waiter or listener registered under `token`. False if it is gone already (a
  // one-shot waiter that was woken, or a released client): then its wake has run or is running.
  bool cancel_wait(std::string_view ds_id, std::uint64_t token);

  // Marks the FlexClient as active (idle timeout). Channels call this on each request or heartbeat.
  void touch(std::string_view ds_id);
  bool has_client(std::string_view ds_id) const;

  broker_stats stats() const;
  // "chat", ... in configuration order.
  std::vector<std::string> destination_names() const;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace amphora::messaging
