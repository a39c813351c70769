// The HTTP streaming channel (include/amphora/server/streaming_channel.hpp). One flex_stream per
// open stream: it writes BlazeDS's inner frames to the server's stream_sink (one HTTP chunk per
// frame), under one mutex so that pushes, heartbeats and the end never interleave. Pushes: the
// broker calls `wake` when the FlexClient's queue goes from empty to non-empty; the stream passes it
// to the sink (stream_sink::wake), which calls the stream's drain when its turn to write comes; the
// drain takes the whole queue and writes it as one batch (stream_sink::write_encoded). Heartbeats and the
// idle timeout: one timer per stream, re-armed at each tick. The endpoint keeps the open streams by
// FlexClient id and by stream id.
#include "amphora/server/streaming_channel.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/flex/uuid.hpp"
#include "amphora/server/stream.hpp"

namespace amphora::server {
namespace {

using messaging::broker;
using clock = std::chrono::steady_clock;

constexpr std::size_t first_block_bytes = 4096;
constexpr std::string_view crlf = "\r\n";

// ---- the request: command, DSId, streamId from the query or a form body ----

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The first value of `name` in an application/x-www-form-urlencoded text, or nothing.
std::optional<std::string> form_value(std::string_view form, std::string_view name) {
  while (!form.empty()) {
    const std::size_t amp = form.find('&');
    const std::string_view pair = form.substr(0, amp);
    form = amp == std::string_view::npos ? std::string_view{} : form.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (url_decode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string{} : url_decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

// A request parameter, as a servlet's getParameter: the query first, then a form body.
struct parameters {
  std::string_view query;
  std::string_view form;  // the body, when it is application/x-www-form-urlencoded

  explicit parameters(const request_view& r) : query(r.query) {
    constexpr std::string_view form_type = "application/x-www-form-urlencoded";
    if (r.content_type.substr(0, form_type.size()) == form_type) {
      form = {reinterpret_cast<const char*>(r.body.data()), r.body.size()};
    }
  }
  std::optional<std::string> get(std::string_view name) const {
    if (auto v = form_value(query, name)) return v;
    return form_value(form, name);
  }
};

// ---- frames ----

// BlazeDS's inner frame: `<lowercase hex size>\r\n<bytes>\r\n`, the framing of an HTTP chunk.
std::vector<std::uint8_t> frame(std::span<const std::uint8_t> bytes) {
  std::vector<std::uint8_t> out;
  out.reserve(bytes.size() + 16);
  detail::append_chunk(out, bytes);
  return out;
}

// Zero bytes framed so that the frame is `total` bytes long, as BlazeDS counts it (its size line
// is the size of `total` in hex, plus two CRLFs).
std::vector<std::uint8_t> kickstart_frame(std::size_t total) {
  const std::size_t overhead = detail::hex_size(total).size() + 2 * crlf.size();
  const std::vector<std::uint8_t> zeros(total > overhead ? total - overhead : total, 0);
  return frame(zeros);
}

// The kick-start size of the longest match_on the User-Agent contains, else of match_on "*", else 0
// (BlazeDS's UserAgentManager).
std::size_t kickstart_bytes(std::string_view user_agent, const streaming_channel_options& o) {
  const streaming_channel_options::user_agent* best = nullptr;
  const streaming_channel_options::user_agent* fallback = nullptr;
  for (const streaming_channel_options::user_agent& ua : o.user_agents) {
    if (ua.match_on == "*") {
      fallback = &ua;
    } else if (user_agent.find(ua.match_on) != std::string_view::npos &&
               (best == nullptr || ua.match_on.size() > best->match_on.size())) {
      best = &ua;
    }
  }
  if (best == nullptr) best = fallback;
  return best != nullptr ? best->kickstart_bytes : 0;
}

reply text_reply(unsigned status, std::string text) {
  reply r;
  r.status = status;
  r.content_type = "text/plain";
  r.body.assign(text.begin(), text.end());
  r.body.push_back('\n');
  return r;
}

class endpoint;

// One open stream: a FlexClient's pushes.
class flex_stream final : public stream_connection, public std::enable_shared_from_this<flex_stream> {
 public:
  flex_stream(std::weak_ptr<endpoint> owner, std::shared_ptr<broker> b, std::shared_ptr<gateway> amf,
              std::string ds_id, bool small, std::size_t kickstart, const streaming_channel_options& options)
      : owner_(std::move(owner)),
        broker_(std::move(b)),
        amf_(std::move(amf)),
        ds_id_(std::move(ds_id)),
        stream_id_(flex::new_uuid()),
        small_(small),
        kickstart_(kickstart),
        options_(options),
        last_push_(clock::now()) {
    encode_.registry = &flex::registry();
  }

  const std::string& ds_id() const noexcept { return ds_id_; }
  const std::string& stream_id() const noexcept { return stream_id_; }

  // After the endpoint registered the stream: the broker pushes from now on. False if another
  // channel already receives this FlexClient's messages (a parked long poll, another stream).
  bool listen() {
    std::weak_ptr<flex_stream> weak = weak_from_this();
    std::optional<std::uint64_t> token = broker_->listen(ds_id_, [weak] {
      if (auto self = weak.lock()) self->wake();
    });
    std::lock_guard lock(mutex_);
    token_ = token;
    return token.has_value();
  }

  void on_open(std::shared_ptr<stream_sink> sink) override {
    {
      std::lock_guard lock(mutex_);
      sink_ = std::move(sink);
      // Pull mode: a wake tells the sink, which drains on the stream's thread when its turn to
      // write comes, so that what the broker queues meanwhile goes out in the same write.
      std::weak_ptr<flex_stream> weak = weak_from_this();
      sink_->set_drain([weak] {
        if (auto self = weak.lock()) self->drain();
      });
      if (kickstart_ > 0) sink_->write(kickstart_frame(kickstart_));
      write_open_ack();
      if (ended_) return finish_locked(end_with_disconnect_);
    }
    wake();  // what was queued before the stream opened
    schedule_tick();
  }

  void on_stop() override { end(true); }

  void on_close() override { release(); }

  std::size_t max_queued_bytes() const override { return options_.max_queued_bytes; }

  // Ends the stream: DISCONNECT first when the server ends it, then the inner terminator.
  void end(bool disconnect) {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    ended_ = true;
    end_with_disconnect_ = disconnect;
    if (sink_) finish_locked(disconnect);  // else on_open finishes
  }

 private:
  // The broker's wake, and the open: the sink drains when the stream's turn to write comes.
  void wake() {
    std::shared_ptr<stream_sink> sink;
    {
      std::lock_guard lock(mutex_);
      if (ended_) return;
      sink = sink_;
    }
    if (sink) sink->wake();  // unlocked: a sink may drain at once (stream_sink's default)
  }

  // The sink's drain: everything queued (one broker call), one frame per message.
  void drain() {
    std::lock_guard lock(mutex_);
    if (ended_ || !sink_) return;
    taken_.clear();
    // By the listen token (no DSId lookup) once listen() has it.
    const bool known = token_ ? broker_->take_into(*token_, taken_) : broker_->take_into(ds_id_, taken_);
    if (!known) {  // released (DISCONNECT from the client, idle, over max_clients)
      ended_ = true;
      return finish_locked(true);
    }
    // One batch (stream_sink::write_encoded): each message encoded straight into the sink's write
    // buffer, BlazeDS's inner frame put around it there.
    const bool open =
        sink_->write_encoded(taken_.size(), [this](std::size_t i, std::vector<std::uint8_t>& out) {
          const std::size_t at = out.size();
          // Spliced from the bytes the message was encoded to once (stored_message::append).
          if (!taken_[i].encode(form(), out)) return false;  // stored messages encode
          detail::frame_chunk_at(out, at);
          return true;
        });
    if (open && !taken_.empty()) {
      wrote_ = true;
      last_push_ = clock::now();
    }
    taken_.clear();
  }

  // The small form (DSK/DSA, ids as 16-byte arrays) once the client announced small messages.
  flex::form form() const noexcept { return small_ ? flex::form::small : flex::form::full; }

  void write_open_ack() {
    amf::arena memory(first_block_bytes);
    flex::acknowledge_message ack;
    ack.message_id = flex::new_uuid(memory);
    ack.timestamp = flex::now_ms();
    ack.correlation_id = "open";
    ack.body = amf::make_string(memory, stream_id_);
    write_message(memory, ack);
  }

  void write_message(amf::arena& memory, const flex::message& m) {
    std::vector<std::uint8_t> bytes;
    amf::result<amf::value> v = flex::to_value(memory, m, form());
    if (v && amf::encode_amf3(*v, bytes, encode_)) sink_->write(frame(bytes));
  }

  void finish_locked(bool disconnect) {
    if (disconnect) {
      amf::arena memory(first_block_bytes);
      write_message(memory, flex::make_command(flex::command_operation::disconnect, memory));
    }
    sink_->write({'0', '\r', '\n'});
    sink_->end();
  }

  void schedule_tick() {
    if (!options_.timers) return;
    const auto period =
        options_.heartbeat_interval.count() > 0 ? options_.heartbeat_interval : options_.idle_timeout;
    if (period.count() <= 0) return;
    std::weak_ptr<flex_stream> weak = weak_from_this();
    std::lock_guard lock(mutex_);
    if (ended_) return;
    timer_ = options_.timers->schedule(period, [weak] {
      if (auto self = weak.lock()) self->tick();
    });
  }

  // Heartbeat (a bare 00 byte when nothing was written since the last tick), the idle timeout,
  // and the FlexClient kept alive while its stream is open.
  void tick() {
    bool idle = false;
    {
      std::lock_guard lock(mutex_);
      if (ended_) return;
      if (options_.heartbeat_interval.count() > 0 && !wrote_) sink_->write({0});
      wrote_ = false;
      idle = options_.idle_timeout.count() > 0 && clock::now() - last_push_ >= options_.idle_timeout;
    }
    broker_->touch(ds_id_);
    amf_->find_client(ds_id_);  // refreshes the id in the gateway too
    if (idle) return end(true);
    schedule_tick();
  }

  void release();

  std::weak_ptr<endpoint> owner_;
  std::shared_ptr<broker> broker_;
  std::shared_ptr<gateway> amf_;
  const std::string ds_id_;
  const std::string stream_id_;
  const bool small_;
  const std::size_t kickstart_;
  const streaming_channel_options options_;
  amf::encode_options encode_;

  std::mutex mutex_;  // guards everything below, and every write to the sink
  std::shared_ptr<stream_sink> sink_;
  std::vector<messaging::delivery> taken_;  // a drain's deliveries: kept for its capacity
  std::optional<std::uint64_t> token_;
  timer_service::timer_id timer_ = 0;
  clock::time_point last_push_;
  bool wrote_ = false;  // something was written since the last tick
  bool ended_ = false;
  bool end_with_disconnect_ = false;
  bool released_ = false;
};

class endpoint final : public handler, public std::enable_shared_from_this<endpoint> {
 public:
  endpoint(std::shared_ptr<gateway> amf, streaming_channel_options options)
      : amf_(std::move(amf)), broker_(amf_->options().broker), options_(std::move(options)) {}

  void handle(const request_view& request, reply_callback done) override {
    const parameters params(request);
    const std::optional<std::string> command = params.get("command");
    if (!command) return amf_->handle(request, std::move(done));  // an AMF request
    if (request.http_version < 11) return done(text_reply(400, "Streaming needs HTTP/1.1"));
    if (*command != "open" && *command != "close") return done(text_reply(400, "Unknown streaming command"));
    const std::optional<std::string> ds_id = params.get("DSId");
    if (!ds_id || ds_id->empty()) return done(text_reply(400, "No DSId given"));
    if (*command == "close") {
      close(*ds_id, params.get("streamId").value_or(std::string{}));
      reply r;
      r.content_type.clear();
      return done(std::move(r));
    }
    done(open(request, *ds_id));
  }

  void shutdown() override {
    std::vector<std::shared_ptr<flex_stream>> open;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      for (auto& [id, s] : by_client_) open.push_back(s);
    }
    for (auto& s : open) s->end(true);
    amf_->shutdown();
  }

  void forget(const flex_stream& s) {
    std::lock_guard lock(mutex_);
    auto it = by_client_.find(s.ds_id());
    if (it != by_client_.end() && it->second.get() == &s) by_client_.erase(it);
    by_stream_.erase(s.stream_id());
  }

 private:
  reply open(const request_view& request, const std::string& ds_id) {
    if (!broker_) return text_reply(400, "This endpoint has no messaging");
    const std::optional<gateway::known_client> client = amf_->find_client(ds_id);
    if (!client) return text_reply(400, "Unknown DSId: send CLIENT_PING first");
    auto s = std::make_shared<flex_stream>(weak_from_this(), broker_, amf_, ds_id, client->small_messages,
                                           kickstart_bytes(request.user_agent, options_), options_);
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return text_reply(503, "The server is stopping");
      if (by_client_.contains(ds_id)) return text_reply(400, "This FlexClient already has a stream open");
      if (by_client_.size() >= options_.max_streaming_clients) {
        return text_reply(503,
                          "The server cannot grant a streaming connection to this client because the "
                          "max-streaming-clients limit of " +
                              std::to_string(options_.max_streaming_clients) + " has been reached.");
      }
      by_client_.emplace(ds_id, s);
      by_stream_.emplace(s->stream_id(), s);
    }
    if (!s->listen()) {
      forget(*s);
      return text_reply(400, "Another channel receives this FlexClient's messages");
    }
    reply r;
    r.stream = s;
    return r;
  }

  void close(const std::string& ds_id, const std::string& stream_id) {
    std::shared_ptr<flex_stream> s;
    {
      std::lock_guard lock(mutex_);
      auto it = by_stream_.find(stream_id);
      if (it == by_stream_.end() || it->second->ds_id() != ds_id) return;
      s = it->second;
    }
    s->end(false);
  }

  std::shared_ptr<gateway> amf_;
  std::shared_ptr<broker> broker_;
  const streaming_channel_options options_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<flex_stream>> by_client_;
  std::unordered_map<std::string, std::shared_ptr<flex_stream>> by_stream_;
  bool stopping_ = false;
};

// The stream has ended: the broker stops pushing, the timer goes, the endpoint forgets it. The
// FlexClient stays (its messages wait for the next stream or poll).
void flex_stream::release() {
  std::optional<std::uint64_t> token;
  timer_service::timer_id timer = 0;
  {
    std::lock_guard lock(mutex_);
    if (released_) return;
    released_ = true;
    ended_ = true;
    token = token_;
    timer = timer_;
    sink_.reset();
  }
  if (token) broker_->cancel_wait(ds_id_, *token);
  if (timer != 0 && options_.timers) options_.timers->cancel(timer);
  if (auto owner = owner_.lock()) owner->forget(*this);
}

}  // namespace

std::shared_ptr<handler> make_streaming_channel(std::shared_ptr<gateway> amf,
                                                streaming_channel_options options) {
  return std::make_shared<endpoint>(std::move(amf), std::move(options));
}

}  // namespace amphora::server
