// Gateway tests: call handle() without sockets and read the reply back.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/amf/amf3.hpp"
#include "amphora/amf/packet.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/flex/uuid.hpp"
#include "amphora/server/gateway.hpp"
#include "amphora/server/timer.hpp"
#include "support/bytes.hpp"

namespace amphora::test {

// Timers that fire only when the test says so.
class fake_timers final : public server::timer_service {
 public:
  timer_id schedule(std::chrono::milliseconds, std::function<void()> fn) override {
    std::lock_guard lock(mutex_);
    pending_.emplace(++next_, std::move(fn));
    return next_;
  }
  void cancel(timer_id id) override {
    std::lock_guard lock(mutex_);
    pending_.erase(id);
  }
  // Runs every pending timer; returns how many ran.
  std::size_t fire_all() {
    std::map<timer_id, std::function<void()>> due;
    {
      std::lock_guard lock(mutex_);
      due.swap(pending_);
    }
    for (auto& [id, fn] : due) fn();
    return due.size();
  }
  std::size_t pending() {
    std::lock_guard lock(mutex_);
    return pending_.size();
  }

 private:
  std::mutex mutex_;
  timer_id next_ = 0;
  std::map<timer_id, std::function<void()>> pending_;
};

// Calls the gateway; the reply if `done` ran before handle() returned.
inline std::optional<server::reply> call_now(server::gateway& gw, std::span<const std::uint8_t> body,
                                             std::string_view remote = "127.0.0.1",
                                             std::string_view path = "/amf") {
  server::request_view req;
  req.method = "POST";
  req.target = req.path = path;
  req.content_type = "application/x-amf";
  req.remote_address = remote;
  req.body = body;
  std::optional<server::reply> out;
  gw.handle(req, [&out](server::reply r) { out = std::move(r); });
  return out;
}

// The reply's packet (Flex small messages and ArrayCollection readable).
inline amf::packet decode_reply(const server::reply& r, amf::arena& memory) {
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/x-amf");
  amf::decode_options options;
  options.registry = &flex::registry();
  amf::result<amf::packet> p = amf::decode_packet(r.body, memory, options);
  EXPECT_TRUE(p.has_value()) << p.error().message();
  return p ? *p : amf::packet{};
}

// A request packet: one body per (target, response, value).
struct request_body {
  std::string_view target;
  std::string_view response;
  amf::value val;
};
inline bytes encode_request(std::uint16_t version, std::vector<request_body> bodies,
                            std::vector<amf::packet_header> headers = {}) {
  amf::arena memory;
  amf::packet p;
  p.version = version;
  for (const auto& h : headers) EXPECT_TRUE(p.headers.push_back(memory, h));
  for (const auto& b : bodies) EXPECT_TRUE(p.bodies.push_back(memory, {b.target, b.response, b.val}));
  bytes out;
  amf::encode_options options;
  options.registry = &flex::registry();
  amf::status s = amf::encode_packet(p, out, options);
  EXPECT_TRUE(s.ok()) << s.error().message();
  return out;
}

// A strict array of values (the arguments of a NetConnection call).
inline amf::value args(amf::arena& memory, std::initializer_list<amf::value> items) {
  amf::array_node* a = amf::new_array(memory);
  for (const amf::value& v : items) EXPECT_TRUE(a->dense.push_back(memory, v));
  return amf::value::of(a);
}

inline amf::value with_avmplus(amf::value v) {
  v.set_flags(static_cast<std::uint8_t>(v.flags() | amf::value::flag_avmplus));
  return v;
}

// The Flex body form: a strict array holding the message behind 0x11.
inline amf::value flex_body(amf::arena& memory, const flex::message& m) {
  amf::result<amf::value> v = flex::to_value(memory, m);
  EXPECT_TRUE(v.has_value());
  return args(memory, {with_avmplus(*v)});
}

inline std::string member_string(const amf::value& object, std::string_view name) {
  if (!object.is(amf::kind::object)) return "<not an object>";
  const amf::value* v = object.as_object().find(name);
  if (v == nullptr) return "<absent>";
  if (!v->is(amf::kind::string)) return "<" + std::string(amf::kind_name(v->type())) + ">";
  return std::string(v->as_string());
}

// A CommandMessage on destination "chat" from FlexClient `ds_id` (header DSId), in `memory`; with
// `messaging_version` > 0 it announces small messages (header DSMessagingVersion), as a ping may.
inline flex::command_message chat_command(flex::command_operation op, std::string_view ds_id,
                                          amf::arena& memory, int messaging_version = 0) {
  flex::command_message c;
  c.operation = op;
  c.destination = "chat";
  c.message_id = memory.copy(flex::new_uuid());
  EXPECT_TRUE(flex::set_header(memory, c, flex::headers::ds_id, amf::value::string(memory.copy(ds_id))));
  if (messaging_version > 0) {
    EXPECT_TRUE(flex::set_header(memory, c, flex::headers::messaging_version,
                                 amf::value::number(static_cast<double>(messaging_version))));
  }
  return c;
}

// One Flex message as a bare AMF3 value (a WebSocket frame), and back (views into `memory`;
// nullopt when it is not a message).
inline std::vector<std::uint8_t> amf3_frame(const flex::message& m) {
  amf::arena memory;
  amf::result<amf::value> v = flex::to_value(memory, m);
  EXPECT_TRUE(v.has_value());
  std::vector<std::uint8_t> out;
  amf::encode_options options;
  options.registry = &flex::registry();
  EXPECT_TRUE(amf::encode_amf3(*v, out, options).ok());
  return out;
}

inline std::optional<flex::message> read_amf3_frame(const std::vector<std::uint8_t>& frame,
                                                    amf::arena& memory) {
  amf::decode_options options;
  options.registry = &flex::registry();
  amf::result<amf::value> v = amf::decode_amf3(frame, memory, options);
  if (!v) return std::nullopt;
  amf::result<flex::message> m = flex::read_message(*v, memory);
  if (!m) return std::nullopt;
  return *m;
}

inline std::string header_string(const flex::abstract_message& m, std::string_view name) {
  const amf::value* v = m.header(name);
  return v != nullptr && v->is(amf::kind::string) ? std::string(v->as_string()) : std::string("<none>");
}

}  // namespace amphora::test
