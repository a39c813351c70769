#include "amphora/messaging/broker.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <iterator>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "amphora/amf/amf3.hpp"
#include "amphora/flex/constants.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/flex/uuid.hpp"
#include "amphora/messaging/subtopic.hpp"
#include "block_queue.hpp"
#include "subscription_filter.hpp"

namespace amphora::messaging {

flex::async_message delivery::to_message() const {
  flex::async_message m = message->message();
  m.client_id = client_id->text();
  return m;
}

flex::message delivery::to_flex(amf::arena& memory) const {
  if (!invalidated) return to_message();
  flex::command_message notice = flex::make_command(flex::command_operation::subscription_invalidate, memory);
  notice.client_id = client_id->text();
  notice.destination = message->message().destination;
  return notice;
}

amf::status delivery::encode(flex::form f, std::vector<std::uint8_t>& out) const {
  if (!invalidated) return message->append(f, *client_id, out);
  amf::arena memory(512);
  amf::result<amf::value> v = flex::to_value(memory, to_flex(memory), f);
  if (!v) return v.error();
  amf::encode_options encode;
  encode.registry = &flex::registry();
  return amf::encode_amf3(*v, out, encode);
}

namespace {

using clock = broker::clock;

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class T>
using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

struct subscription {
  std::string subtopic;  // "" = none
  std::string selector;  // "" = none
  bool wildcard = false;
  subscription_filter filter;
};

struct client;

// A waiter or listener: shared, so that a listener woken at every message costs a reference
// count, not a copy of its function (which would allocate).
using wake_ref = std::shared_ptr<const broker::wake_fn>;

struct consumer {
  std::shared_ptr<const subscriber_id> id;  // its text, and its UUID bytes parsed once (small form)
  client* owner = nullptr;
  std::size_t destination = 0;  // index into config.destinations
  std::size_t member = 0;  // its position in state::members[destination] (once retired: in state::retired)
  std::vector<subscription> subscriptions;
  // Removed (unsubscribed, timed out) while deliveries to it still waited in its client's queue:
  // how many (0 while it is not removed). It is then kept (retired, state::retired) and freed
  // when the last of them leaves the queue; they are delivered with its id.
  std::uint32_t waiting = 0;
  std::size_t queued = 0;  // its deliveries waiting, counted when the destination has a max_queue

  // One of its subscriptions has neither subtopic nor selector: every message without a
  // subtopic matches (publish needs not look at the subscriptions).
  bool takes_all() const {
    return std::any_of(subscriptions.begin(), subscriptions.end(),
                       [](const subscription& s) { return s.subtopic.empty() && s.selector.empty(); });
  }
};

// A consumer as a publish's loop over its destination sees it: with its client and whether it
// takes every message without a subtopic, so that the loop reads this vector in order and touches
// a consumer only to look at its subscriptions or its destination's max_queue, and can fetch each
// client's queue ahead of its turn (docs/performance.md, "Broker counts").
struct member {
  consumer* k = nullptr;
  client* owner = nullptr;
  bool takes_all = false;
};

// A delivery waiting in its client's queue. It names its consumer, which the broker keeps alive
// while it waits (consumer::waiting): the consumer's id is handed out (its count taken) only by
// the drain, on the draining thread, not once per delivery by the publishing thread.
struct queued {
  std::shared_ptr<const stored_message> message;
  consumer* to = nullptr;
  clock::time_point expires;
  bool counted = false;      // in its consumer's `queued`
  bool invalidated = false;  // the notice of a subscription timeout (delivery::invalidated)
};

// Slots per queue block (40 bytes each: a block is 328 bytes): a client with a few messages
// waiting holds one block, a backlog of 100 thirteen. Measured: blocks of 16 made a 20-message
// fan-out's peak RSS 4-5 MiB larger than the ring's (a block per client with one message or two
// waiting), docs/performance.md "Broker queue blocks".
constexpr std::size_t queue_block_slots = 8;
using queue = detail::block_queue<queued, queue_block_slots>;
using queue_pool = detail::block_pool<queued, queue_block_slots>;

struct client {
  std::string ds_id;
  queue waiting;           // its deliveries, oldest first
  std::uint32_t slot = 0;  // its index in state::slots (listen tokens name it)
  bool wake_once = false;  // next to `slot`, in what would be its padding
  std::vector<consumer*> consumers;
  clock::time_point last_seen;
  std::list<client*>::iterator lru;  // position in state::lru (most recently seen first)
  wake_ref wake;                     // the waiter or listener, if any
  std::uint64_t wake_token = 0;
};
static_assert(sizeof(client) <= 136, "an idle FlexClient costs less than with the ring queue (144 bytes)");

// A publish's loop fetches the clients it will queue for a few consumers ahead (their queue and
// listener, then the queue's back slot), so that their cache misses overlap instead of each
// stalling the loop in turn: in a fan-out to 10,000 clients the loop was mostly waiting for them.
constexpr std::size_t fetch_ahead = 8;

void prefetch_for_push(const client& c) {
  __builtin_prefetch(&c.waiting, 1);
  __builtin_prefetch(&c.wake, 1);
}

void wake_range(const std::vector<wake_ref>& woken, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (woken[i] && *woken[i]) (*woken[i])();
  }
}

void wake_all(std::vector<wake_ref>& woken) { wake_range(woken, 0, woken.size()); }

// The vectors of a publish's wakes, kept from one publish to the next: a fan-out to 10,000
// listeners would otherwise grow a fresh one by doubling to 10,000 entries for each message. A
// vector comes back once its wakes have run; up to `kept` are kept (each as large as the most
// clients a publish woke: bounded by max_clients).
class woken_spares {
 public:
  std::vector<wake_ref> take() {
    std::lock_guard lock(mutex_);
    if (spare_.empty()) return {};
    std::vector<wake_ref> v = std::move(spare_.back());
    spare_.pop_back();
    return v;
  }

  void give(std::vector<wake_ref> v) {
    if (v.capacity() == 0) return;
    v.clear();  // the listeners' counts, released outside the lock
    std::lock_guard lock(mutex_);
    if (spare_.size() < kept) spare_.push_back(std::move(v));
  }

 private:
  static constexpr std::size_t kept = 4;
  std::mutex mutex_;
  std::vector<std::vector<wake_ref>> spare_;
};

// A publish's wakes handed over in batches (broker_config::post_wakes). Only `wake_lanes` batches
// are handed over at once; each, once run, hands over the next one not yet taken. So a publish to
// 10,000 subscribers never has more than a few batches waiting in the I/O threads' queue, and
// what comes in meanwhile (the next publish, a subscriber's request) is not queued behind all of
// its pushes. Which batch runs first does not matter: a wake only tells a channel to drain its
// FlexClient's queue, which holds the messages in order.
struct wake_run {
  std::vector<wake_ref> woken;
  std::size_t batch;
  std::function<void(std::function<void()>)> post;
  std::atomic<std::size_t> next{0};
  std::shared_ptr<woken_spares> spares;  // where `woken` goes back once every batch has run

  wake_run() = default;
  wake_run(const wake_run&) = delete;
  wake_run& operator=(const wake_run&) = delete;
  ~wake_run() {
    if (spares) spares->give(std::move(woken));
  }
};
constexpr int wake_lanes = 2;

void post_next_batch(const std::shared_ptr<wake_run>& run) {
  const std::size_t from = run->next.fetch_add(run->batch);
  if (from >= run->woken.size()) return;
  run->post([run, from] {
    wake_range(run->woken, from, std::min(run->woken.size(), from + run->batch));
    post_next_batch(run);
  });
}

error make_error(errc code, std::string message, std::string detail = {}) {
  return error{code, std::move(message), std::move(detail)};
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

std::vector<std::string_view> published_subtopics(const flex::abstract_message& m) {
  std::vector<std::string_view> out;
  const amf::value* v = m.header(flex::headers::subtopic);
  if (v == nullptr) return out;
  if (v->is(amf::kind::string)) {
    if (!v->as_string().empty()) out.push_back(v->as_string());
  } else if (v->is(amf::kind::array)) {
    for (const amf::value& item : v->as_array().dense) {
      if (item.is(amf::kind::string) && !item.as_string().empty()) out.push_back(item.as_string());
    }
  }
  return out;
}

struct broker::state {
  state(broker_config c, std::function<clock::time_point()> n) : config(std::move(c)), now(std::move(n)) {
    for (std::size_t i = 0; i < config.destinations.size(); ++i) {
      destination_index.emplace(config.destinations[i].name, i);
    }
    members.resize(config.destinations.size());
    for (const destination_config& d : config.destinations) {
      flex::async_message empty;
      empty.destination = d.name;
      auto notice = stored_message::make(empty, static_cast<std::size_t>(-1));
      notices.push_back(notice ? *notice : nullptr);  // a null body and a name always encode
      if (d.subscription_timeout.count() > 0 &&
          (shortest_timeout.count() == 0 || d.subscription_timeout < shortest_timeout)) {
        shortest_timeout = d.subscription_timeout;
      }
    }
    if (shortest_timeout.count() > 0)
      sweep_every = std::max(shortest_timeout / 4, std::chrono::milliseconds(1));
  }

  const broker_config config;
  const std::function<clock::time_point()> now;

  // A publish's wakes (in a vector from `spares`, which it goes back to): inline, or in batches
  // through config.post_wakes.
  void post_wakes(std::vector<wake_ref> woken) const {
    const std::size_t batch = std::max<std::size_t>(config.wake_batch, 1);
    if (!config.post_wakes || woken.empty()) {
      wake_all(woken);
      return spares->give(std::move(woken));
    }
    auto run = std::make_shared<wake_run>();
    run->woken = std::move(woken);
    run->batch = batch;
    run->post = config.post_wakes;
    run->spares = spares;
    for (int lane = 0; lane < wake_lanes; ++lane) post_next_batch(run);
  }
  const std::shared_ptr<woken_spares> spares = std::make_shared<woken_spares>();
  string_map<std::size_t> destination_index;
  std::vector<std::shared_ptr<const stored_message>> notices;  // per destination: invalidations
  std::chrono::milliseconds shortest_timeout{0};               // of the subscription timeouts (0: none)
  std::chrono::milliseconds sweep_every{0};                    // how often to look for them (0: never)

  mutable std::mutex mutex;
  queue_pool pool{std::max<std::size_t>(config.spare_queue_bytes / sizeof(queue_pool::block), 1)};
  string_map<client> clients;  // after `pool`, which their queues' blocks may still go back to
  std::list<client*> lru;
  string_map<consumer> consumers;
  // Removed consumers that deliveries waiting in their client's queue still name (consumer::waiting),
  // taken out of `consumers` with their node (their address kept), in no order (consumer::member).
  std::vector<string_map<consumer>::node_type> retired;
  std::vector<std::vector<member>> members;  // per destination, in no order (consumer::member)
  // Every client by a small index, so that a listen token (its low 32 bits) finds its client
  // without a DSId lookup; freed indexes are reused.
  std::vector<client*> slots;
  std::vector<std::uint32_t> free_slots;
  std::uint32_t next_token = 0;  // the high 32 bits of the next wait or listen token
  clock::time_point next_sweep{};
  std::size_t queued_now = 0;
  broker_stats counters;

  const destination_config* find_destination(std::string_view name, std::size_t* index = nullptr) const {
    auto it = destination_index.find(name);
    if (it == destination_index.end()) return nullptr;
    if (index != nullptr) *index = it->second;
    return &config.destinations[it->second];
  }

  // ---- clients (mutex held) ----

  client* find_client(std::string_view ds_id) {
    auto it = clients.find(ds_id);
    return it == clients.end() ? nullptr : &it->second;
  }

  void touch(client& c, clock::time_point t) {
    c.last_seen = t;
    lru.splice(lru.begin(), lru, c.lru);
  }

  client& ensure_client(std::string_view ds_id, clock::time_point t, std::vector<wake_ref>& woken) {
    if (client* c = find_client(ds_id)) {
      touch(*c, t);
      return *c;
    }
    while (!lru.empty() && clients.size() >= std::max<std::size_t>(config.max_clients, 1)) {
      release(*lru.back(), woken);
    }
    auto [it, inserted] = clients.emplace(std::string(ds_id), client{});
    client& c = it->second;
    c.ds_id = it->first;
    c.last_seen = t;
    if (free_slots.empty()) {
      c.slot = static_cast<std::uint32_t>(slots.size());
      slots.push_back(&c);
    } else {
      c.slot = free_slots.back();
      free_slots.pop_back();
      slots[c.slot] = &c;
    }
    lru.push_front(&c);
    c.lru = lru.begin();
    return c;
  }

  void expire_idle(clock::time_point t, std::vector<wake_ref>& woken) {
    while (!lru.empty() && t - lru.back()->last_seen > config.client_idle_timeout)
      release(*lru.back(), woken);
    if (sweep_every.count() > 0 && t >= next_sweep) {
      next_sweep = t + sweep_every;
      expire_subscriptions(t, woken);
    }
  }

  // Consumers whose client was idle longer than their destination's subscription_timeout go;
  // each leaves an invalidation in its client's queue. The least recently seen clients are at
  // the back of lru: look at those idle longer than the shortest timeout.
  void expire_subscriptions(clock::time_point t, std::vector<wake_ref>& woken) {
    for (auto it = lru.rbegin(); it != lru.rend() && t - (*it)->last_seen > shortest_timeout; ++it) {
      client& c = **it;
      std::vector<consumer*> expired;
      for (consumer* k : c.consumers) {
        const std::chrono::milliseconds timeout = config.destinations[k->destination].subscription_timeout;
        if (timeout.count() > 0 && t - c.last_seen > timeout) expired.push_back(k);
      }
      for (consumer* k : expired) {
        // The notice first: it names k, which remove_consumer() then keeps until it is drained.
        push(c, queued{notices[k->destination], k, clock::time_point::max(), false, true}, woken);
        remove_consumer(*k);
        ++counters.invalidated;
      }
    }
  }

  // A fresh token for a waiter or listener of `c`: its slot, and a count that tells this
  // registration from the slot's earlier ones.
  std::uint64_t new_token(const client& c) {
    if (++next_token == 0) ++next_token;  // never 0: wait_result::token 0 means none
    return (static_cast<std::uint64_t>(next_token) << 32) | c.slot;
  }

  // The client whose waiter or listener is registered under `token`, if it still is.
  client* find_listener(std::uint64_t token) {
    const std::size_t slot = token & 0xffffffffU;
    if (slot >= slots.size()) return nullptr;
    client* c = slots[slot];
    return c != nullptr && c->wake && c->wake_token == token ? c : nullptr;
  }

  void add_member(consumer& k) {
    std::vector<member>& all = members[k.destination];
    k.member = all.size();
    all.push_back(member{&k, k.owner, k.takes_all()});
  }

  void subscriptions_changed(consumer& k) { members[k.destination][k.member].takes_all = k.takes_all(); }

  // k leaves its destination and its client. Deliveries to it that wait in its client's queue
  // stay there (they are delivered with its id, as they were queued): k is then retired, kept
  // in `retired` until the last of them leaves the queue (unqueued()).
  void remove_consumer(consumer& k) {
    std::vector<member>& all = members[k.destination];  // O(1): the last one takes its place
    all[k.member] = all.back();
    all[k.member].k->member = k.member;
    all.pop_back();
    client& c = *k.owner;
    c.consumers.erase(std::remove(c.consumers.begin(), c.consumers.end(), &k), c.consumers.end());
    auto node = consumers.extract(consumers.find(std::string_view(k.id->text())));  // k stays where it is
    c.waiting.for_each([&](const queued& q) { k.waiting += q.to == &k ? 1 : 0; });
    if (k.waiting == 0) return;  // freed with `node`
    k.subscriptions = {};        // not needed any more
    k.member = retired.size();
    retired.push_back(std::move(node));
  }

  // Frees a retired consumer whose last delivery has left its client's queue.
  void free_retired(consumer& k) {
    const std::size_t at = k.member;
    if (at + 1 != retired.size()) {
      retired[at] = std::move(retired.back());  // frees k
      retired[at].mapped().member = at;
    }
    retired.pop_back();
  }

  void release(client& c, std::vector<wake_ref>& woken) {
    // The queue first (its retired consumers go with it), so that its consumers are not retired.
    while (!c.waiting.empty()) unqueued(c.waiting.pop_front(pool));
    while (!c.consumers.empty()) remove_consumer(*c.consumers.back());
    if (c.wake) woken.push_back(std::move(c.wake));
    lru.erase(c.lru);
    slots[c.slot] = nullptr;
    free_slots.push_back(c.slot);
    ++counters.released;
    clients.erase(clients.find(std::string_view(c.ds_id)));  // by iterator: the key lives in c
  }

  // ---- queues (mutex held) ----

  // A queued entry leaves its client's queue: its consumer counts it no more, and a retired
  // consumer goes with its last one. Call it once the entry is done with (`q.to` may be freed).
  void unqueued(const queued& q) {
    --queued_now;
    consumer& k = *q.to;
    if (q.counted) --k.queued;
    if (k.waiting > 0 && --k.waiting == 0) free_retired(k);
  }

  // A delivery to k, whose client is `c` (k.owner) and whose destination's max_queue is `bound`
  // (what publish knows once for all its deliveries).
  void enqueue(consumer& k, client& c, std::size_t bound, const std::shared_ptr<const stored_message>& m,
               clock::time_point expires, std::vector<wake_ref>& woken) {
    if (bound > 0 && k.queued >= bound) {  // this consumer's oldest goes
      std::optional<queued> oldest =
          c.waiting.erase_first(pool, [&](const queued& q) { return q.counted && q.to == &k; });
      if (oldest) {
        unqueued(*oldest);
        ++counters.dropped;
      }
    }
    push(c, queued{m, &k, expires, bound > 0}, woken);
    if (bound > 0) ++k.queued;
  }

  void push(client& c, queued q, std::vector<wake_ref>& woken) {
    const bool was_empty = c.waiting.empty();
    if (c.waiting.size() >= std::max<std::size_t>(config.max_queue, 1)) {
      unqueued(c.waiting.pop_front(pool));
      ++counters.dropped;
    }
    c.waiting.push_back(pool, std::move(q));
    ++queued_now;
    if (was_empty && c.wake) {
      if (c.wake_once) {
        woken.push_back(std::move(c.wake));
        c.wake = nullptr;
      } else {
        woken.push_back(c.wake);  // a reference count, not a copy of the function
      }
    }
  }

  // The drains (take, take_into): up to `max` deliveries of the client find() returns (null:
  // none) appended to `out`, its idle time refreshed. False if there was no such client.
  template <class Find>
  bool take_from(Find find, std::vector<delivery>& out, std::size_t max) {
    std::vector<wake_ref> woken;
    bool known = false;
    {
      std::lock_guard lock(mutex);
      const clock::time_point t = now();
      expire_idle(t, woken);
      if (client* c = find()) {
        known = true;
        touch(*c, t);
        drain(*c, out, max, t);
      }
    }
    wake_all(woken);
    return known;
  }

  // Appends up to `max` of the client's deliveries to `out`.
  void drain(client& c, std::vector<delivery>& out, std::size_t max, clock::time_point t) {
    // Grown once for the backlog, not doubled step by step (a channel keeps its vector between
    // drains, so this allocates only when a backlog is deeper than any before it).
    out.reserve(out.size() + std::min(c.waiting.size(), max));
    std::size_t taken = 0;
    while (!c.waiting.empty() && taken < max) {
      queued q = c.waiting.pop_front(pool);
      if (q.expires <= t) {
        ++counters.expired;
      } else {
        out.push_back(delivery{std::move(q.message), q.to->id, q.invalidated});
        ++taken;
        ++counters.delivered;
      }
      unqueued(q);
    }
  }
};

namespace {

bool matches(const member& k, const destination_config& d, std::span<const std::string_view> subtopics,
             const flex::abstract_message& m) {
  if (k.takes_all && subtopics.empty()) return true;
  for (const subscription& s : k.k->subscriptions) {
    bool topical = false;
    if (s.subtopic.empty()) {
      topical = subtopics.empty();
    } else {
      for (std::string_view t : subtopics) {
        if (s.wildcard ? subtopic_matches(s.subtopic, t, d.subtopic_separator) : s.subtopic == t) {
          topical = true;
          break;
        }
      }
    }
    if (topical && s.filter.matches(m)) return true;
  }
  return false;
}

}  // namespace

broker::broker(broker_config config, std::function<clock::time_point()> now)
    : state_(std::make_unique<state>(std::move(config), std::move(now))) {}

broker::~broker() = default;

const broker_config& broker::config() const noexcept { return state_->config; }

const destination_config* broker::find_destination(std::string_view name) const noexcept {
  return state_->find_destination(name);
}

std::vector<std::string> broker::destination_names() const {
  std::vector<std::string> out;
  for (const destination_config& d : state_->config.destinations) out.push_back(d.name);
  return out;
}

std::variant<std::string, error> broker::subscribe(const subscribe_request& request) {
  const broker_config& cfg = state_->config;
  std::size_t index = 0;
  const destination_config* d = state_->find_destination(request.destination, &index);
  if (d == nullptr) {
    return make_error(errc::unknown_destination, "No destination " + quoted(request.destination));
  }
  subscription sub;
  if (!request.subtopic.empty()) {
    if (!d->allow_subtopics) {
      return make_error(errc::subtopics_not_allowed,
                        "Destination " + quoted(d->name) + " does not allow subtopics");
    }
    if (!valid_subtopic(request.subtopic, d->subtopic_separator, true)) {
      return make_error(errc::invalid_subtopic, "Invalid subtopic " + quoted(request.subtopic));
    }
    sub.wildcard = has_wildcard(request.subtopic, d->subtopic_separator);
    if (sub.wildcard && !d->allow_wildcard_subtopics) {
      return make_error(errc::wildcard_not_allowed,
                        "Destination " + quoted(d->name) + " does not allow wildcard subtopics");
    }
    sub.subtopic = request.subtopic;
  }
  if (!request.selector.empty()) {
    if (request.selector.size() > cfg.max_selector_bytes) {
      return make_error(errc::invalid_selector, "The selector is too long");
    }
    std::string why;
    std::optional<subscription_filter> f = subscription_filter::parse(request.selector, why);
    if (!f) return make_error(errc::invalid_selector, "Invalid selector " + quoted(request.selector), why);
    sub.filter = std::move(*f);
    sub.selector = request.selector;
  }
  if (request.client_id.size() > cfg.max_id_bytes) {
    return make_error(errc::invalid_client_id, "The clientId is too long");
  }
  const std::string fresh_id = request.client_id.empty() ? flex::new_uuid() : std::string{};
  const std::string_view id = request.client_id.empty() ? std::string_view(fresh_id) : request.client_id;

  std::vector<wake_ref> woken;
  std::variant<std::string, error> result = std::string(id);
  {
    std::lock_guard lock(state_->mutex);
    const clock::time_point t = state_->now();
    state_->expire_idle(t, woken);
    client& c = state_->ensure_client(request.ds_id, t, woken);
    consumer* k = nullptr;
    if (auto it = state_->consumers.find(id); it != state_->consumers.end()) {
      k = &it->second;
      if (k->owner != &c || k->destination != index) {
        result = make_error(errc::client_id_in_use, "The clientId " + quoted(id) + " is already in use");
        k = nullptr;
      }
    } else if (c.consumers.size() >= cfg.max_consumers_per_client) {
      result = make_error(errc::too_many, "Too many subscriptions for this client");
    } else {
      auto [it2, inserted] = state_->consumers.emplace(std::string(id), consumer{});
      k = &it2->second;
      k->id = std::make_shared<const subscriber_id>(std::string(id));
      k->owner = &c;
      k->destination = index;
      c.consumers.push_back(k);
      state_->add_member(*k);
    }
    if (k != nullptr) {
      const bool exists = std::any_of(
          k->subscriptions.begin(), k->subscriptions.end(),
          [&](const subscription& s) { return s.subtopic == sub.subtopic && s.selector == sub.selector; });
      if (!exists) {
        if (k->subscriptions.size() >= cfg.max_subscriptions_per_consumer) {
          result = make_error(errc::too_many, "Too many subscriptions for this consumer");
          if (k->subscriptions.empty()) state_->remove_consumer(*k);
        } else {
          k->subscriptions.push_back(std::move(sub));
          state_->subscriptions_changed(*k);
        }
      }
    }
  }
  wake_all(woken);
  return result;
}

bool broker::remove_subscription(std::string_view ds_id, std::string_view client_id,
                                 std::string_view subtopic, std::string_view selector) {
  std::lock_guard lock(state_->mutex);
  auto it = state_->consumers.find(client_id);
  if (it == state_->consumers.end() || it->second.owner->ds_id != ds_id) return false;
  consumer& k = it->second;
  auto sub = std::find_if(k.subscriptions.begin(), k.subscriptions.end(), [&](const subscription& s) {
    return s.subtopic == subtopic && s.selector == selector;
  });
  if (sub == k.subscriptions.end()) return false;
  k.subscriptions.erase(sub);
  if (k.subscriptions.empty()) {
    state_->remove_consumer(k);
  } else {
    state_->subscriptions_changed(k);
  }
  return true;
}

bool broker::unsubscribe(std::string_view ds_id, std::string_view client_id) {
  std::lock_guard lock(state_->mutex);
  auto it = state_->consumers.find(client_id);
  if (it == state_->consumers.end() || it->second.owner->ds_id != ds_id) return false;
  state_->remove_consumer(it->second);
  return true;
}

void broker::disconnect(std::string_view ds_id) {
  std::vector<wake_ref> woken;
  {
    std::lock_guard lock(state_->mutex);
    if (client* c = state_->find_client(ds_id)) state_->release(*c, woken);
  }
  wake_all(woken);
}

std::variant<std::size_t, error> broker::publish(const flex::async_message& m) {
  std::size_t index = 0;
  const destination_config* d = state_->find_destination(m.destination, &index);
  if (d == nullptr) return make_error(errc::unknown_destination, "No destination " + quoted(m.destination));
  const std::vector<std::string_view> subtopics = published_subtopics(m);
  if (!subtopics.empty() && !d->allow_subtopics) {
    return make_error(errc::subtopics_not_allowed,
                      "Destination " + quoted(d->name) + " does not allow subtopics");
  }
  for (std::string_view s : subtopics) {
    if (!valid_subtopic(s, d->subtopic_separator, false)) {
      return make_error(errc::invalid_subtopic,
                        "Invalid subtopic " + quoted(s) + " (no wildcards when sending)");
    }
  }
  const amf::value* target = m.header(flex::headers::dst_client_id);
  const std::string_view target_id =
      target != nullptr && target->is(amf::kind::string) ? target->as_string() : std::string_view{};

  amf::result<std::shared_ptr<const stored_message>> stored =
      stored_message::make(m, state_->config.max_message_bytes);
  if (!stored)
    return make_error(errc::invalid_message, "The message cannot be delivered", stored.error().message());
  const flex::async_message& copy = (*stored)->message();

  double ttl_ms = d->message_ttl.count() > 0 ? static_cast<double>(d->message_ttl.count()) : m.time_to_live;
  std::size_t count = 0;
  std::vector<wake_ref> woken = state_->spares->take();
  {
    std::lock_guard lock(state_->mutex);
    const clock::time_point t = state_->now();
    const clock::time_point expires = ttl_ms > 0 && ttl_ms < 1e15
                                          ? t + std::chrono::duration_cast<clock::duration>(
                                                    std::chrono::duration<double, std::milli>(ttl_ms))
                                          : clock::time_point::max();
    state_->expire_idle(t, woken);
    ++state_->counters.published;
    if (!target_id.empty()) {
      auto it = state_->consumers.find(target_id);
      if (it != state_->consumers.end() && it->second.destination == index) {
        state_->enqueue(it->second, *it->second.owner, d->max_queue, *stored, expires, woken);
        ++count;
      }
    } else {
      const std::span<const member> all = state_->members[index];  // enqueue() changes no member
      const std::size_t bound = d->max_queue;
      for (std::size_t i = 0; i < all.size(); ++i) {
        if (i + fetch_ahead < all.size()) prefetch_for_push(*all[i + fetch_ahead].owner);
        if (i + fetch_ahead / 2 < all.size()) all[i + fetch_ahead / 2].owner->waiting.prefetch_back();
        if (matches(all[i], *d, subtopics, copy)) {
          state_->enqueue(*all[i].k, *all[i].owner, bound, *stored, expires, woken);
          ++count;
        }
      }
    }
  }
  state_->post_wakes(std::move(woken));
  return count;
}

std::vector<delivery> broker::take(std::string_view ds_id, std::size_t max) {
  std::vector<delivery> out;
  state_->take_from([&] { return state_->find_client(ds_id); }, out, max);
  return out;
}

bool broker::take_into(std::string_view ds_id, std::vector<delivery>& out, std::size_t max) {
  return state_->take_from([&] { return state_->find_client(ds_id); }, out, max);
}

bool broker::take_into(std::uint64_t listen_token, std::vector<delivery>& out, std::size_t max) {
  return state_->take_from([&] { return state_->find_listener(listen_token); }, out, max);
}

broker::wait_result broker::take_or_wait(std::string_view ds_id, wake_fn wake) {
  std::vector<wake_ref> woken;
  wait_result r;
  {
    std::lock_guard lock(state_->mutex);
    const clock::time_point t = state_->now();
    state_->expire_idle(t, woken);
    client& c = state_->ensure_client(ds_id, t, woken);
    state_->drain(c, r.messages, static_cast<std::size_t>(-1), t);
    if (!r.messages.empty()) {
      r.status = wait_status::ready;
    } else if (c.wake) {
      r.status = wait_status::busy;
    } else {
      r.status = wait_status::parked;
      r.token = state_->new_token(c);
      c.wake = std::make_shared<const wake_fn>(std::move(wake));
      c.wake_token = r.token;
      c.wake_once = true;
    }
  }
  wake_all(woken);
  return r;
}

std::optional<std::uint64_t> broker::listen(std::string_view ds_id, wake_fn wake) {
  std::vector<wake_ref> woken;
  std::optional<std::uint64_t> token;
  {
    std::lock_guard lock(state_->mutex);
    const clock::time_point t = state_->now();
    state_->expire_idle(t, woken);
    client& c = state_->ensure_client(ds_id, t, woken);
    if (!c.wake) {
      token = state_->new_token(c);
      c.wake = std::make_shared<const wake_fn>(std::move(wake));
      c.wake_token = *token;
      c.wake_once = false;
    }
  }
  wake_all(woken);
  return token;
}

bool broker::cancel_wait(std::string_view ds_id, std::uint64_t token) {
  std::lock_guard lock(state_->mutex);
  client* c = state_->find_client(ds_id);
  if (c == nullptr || !c->wake || c->wake_token != token) return false;
  c->wake = nullptr;
  c->wake_token = 0;
  return true;
}

void broker::touch(std::string_view ds_id) {
  std::vector<wake_ref> woken;
  {
    std::lock_guard lock(state_->mutex);
    const clock::time_point t = state_->now();
    state_->expire_idle(t, woken);
    if (client* c = state_->find_client(ds_id)) state_->touch(*c, t);
  }
  wake_all(woken);
}

bool broker::has_client(std::string_view ds_id) const {
  std::lock_guard lock(state_->mutex);
  return state_->clients.find(ds_id) != state_->clients.end();
}

broker_stats broker::stats() const {
  std::lock_guard lock(state_->mutex);
  broker_stats s = state_->counters;
  s.clients = state_->clients.size();
  s.consumers = state_->consumers.size();
  s.queued = state_->queued_now;
  for (const auto& entry : state_->clients) {
    if (entry.second.wake) ++s.waiting;
  }
  return s;
}

}  // namespace amphora::messaging
