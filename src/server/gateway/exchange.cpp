#include "exchange.hpp"

#include <iterator>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "access.hpp"
#include "authentication.hpp"
#include "envelope.hpp"
#include "invoke.hpp"
#include "processors.hpp"
#include "reply_buffers.hpp"
#include "spare_pool.hpp"

namespace amphora::server::detail {
namespace {

constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();
constexpr std::size_t reply_reserve = 1024;

// The arenas of finished exchanges, reset, kept per thread (spare_pool.hpp): a fresh arena's
// first block is 4 KiB, which glibc serves from its large bins, consolidating its free lists first.
struct arena_traits {
  static std::size_t bytes(const amf::arena& a) noexcept { return a.bytes_reserved(); }
  static void empty(amf::arena& a) noexcept {
    a.reset();
    a.set_limit(no_limit);
  }
};
using spare_arenas = spare_pool<amf::arena, arena_traits, 64 * 1024, 16 * 1024 * 1024>;

server::reply plain_reply(unsigned status, std::string_view text) {
  server::reply r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body.assign(text.begin(), text.end());
  return r;
}

}  // namespace

exchange::exchange(std::shared_ptr<gateway_state> gateway, reply_callback done)
    : gateway_(std::move(gateway)), done_(std::move(done)), memory_(spare_arenas::take()) {}

exchange::~exchange() { spare_arenas::give_back(memory_); }

void exchange::run(const request_view& request) {
  context_.remote_address = memory_.copy(request.remote_address);
  channel_ = gateway_->find_channel(request.path);
  if (gateway_->options.allowed_channels) path_ = request.path;  // only read by channel_fault
  if (!looks_like_packet(request.body)) {
    send(plain_reply(400, "The request body is not an AMF packet\n"));
    return;
  }
  amf::result<amf::packet> decoded = amf::decode_packet(request.body, memory_, gateway_->decode);
  if (!decoded) {
    answer_undecodable(request.body);
    return;
  }
  request_ = *decoded;
  response_.version = response_version(request_);
  if (!response_.bodies.reserve(memory_, request_.bodies.size())) {
    send(plain_reply(500, "Out of memory\n"));
    return;
  }
  response_.bodies.resize_within_capacity(request_.bodies.size());
  authenticate_packet(*this, request, [self = shared_from_this()] { self->step(); });
}

// A packet whose envelope is readable up to its first body's URIs gets a fault for that body
// (what BlazeDS does when it can); anything less readable is not AMF we can answer: HTTP 400.
void exchange::answer_undecodable(std::span<const std::uint8_t> body) {
  std::optional<first_body> first = peek_first_body(body);
  if (!first) {
    send(plain_reply(400, "The request body is not a readable AMF packet\n"));
    return;
  }
  memory_.reset();
  context_ = call_context{};
  if (!request_.bodies.push_back(
          memory_, amf::packet_body{memory_.copy(first->target), memory_.copy(first->response), {}}) ||
      !response_.bodies.push_back(memory_, {})) {
    send(plain_reply(500, "Out of memory\n"));
    return;
  }
  request_.version = first->version;
  response_.version = response_version(request_);
  next_ = 1;
  answer(0, fault_body(0, fault{fault_encoding, "The request could not be decoded", {}}));
}

void exchange::step() {
  if (steps_.fetch_add(1, std::memory_order_acq_rel) != 0) return;
  do {
    if (next_ < request_.bodies.size()) {
      start_body(next_++);
    } else {
      finish();
    }
  } while (steps_.fetch_sub(1, std::memory_order_acq_rel) != 1);
}

void exchange::start_body(std::size_t index) {
  const std::string_view remote = context_.remote_address;
  context_ = call_context{};
  context_.remote_address = remote;
  context_.memory = &memory_;
  context_.packet_headers =
      std::span<const amf::packet_header>(request_.headers.data(), request_.headers.size());
  set_body_user(user_);
  if (packet_fault_) return answer(index, fault_body(index, *packet_fault_));
  try {
    if (is_flex_body(request_.bodies[index])) {
      run_flex_body(*this, index);
    } else {
      run_netconnection_body(*this, index);
    }
  } catch (...) {  // only allocation failures get here; the body still gets its answer
    answer(index, amf::packet_body{});
  }
}

void exchange::call(const destination::entry& op, std::span<const amf::value> args,
                    std::function<void(outcome)> finish) {
  if (std::optional<fault> refused = channel_fault(context_.destination)) {
    finish(outcome::failure(std::move(*refused)));
    return;
  }
  if (std::optional<fault> denied = call_access_fault(gateway_->options, context_)) {
    finish(outcome::failure(std::move(*denied)));
    return;
  }
  const std::size_t used = memory_.bytes_used();
  const std::size_t budget = gateway_->options.limits.max_memory_bytes;
  memory_.set_limit(budget > no_limit - used ? no_limit : used + budget);
  invoke(op, context_, args, memory_, gateway_->runner,
         [self = shared_from_this(), finish = std::move(finish)](outcome o) {
           self->memory_.set_limit(no_limit);  // building the answer never fails for budget
           finish(std::move(o));
         });
}

std::optional<fault> exchange::channel_fault(std::string_view destination) const {
  const destination_channels* rules = gateway_->options.allowed_channels.get();
  if (rules == nullptr) return std::nullopt;
  std::string message = rules->refusal(destination, path_);
  if (message.empty()) return std::nullopt;
  return fault{fault_processing, std::move(message),
               "Channels of '" + std::string(destination) + "': " + rules->listed(destination) +
                   "; this request came to " + path_};
}

void exchange::keep(std::vector<messaging::delivery> deliveries) {
  if (kept_.empty()) {
    kept_ = std::move(deliveries);  // the usual case (one poll per request): no copy, no allocation
    return;
  }
  kept_.insert(kept_.end(), std::make_move_iterator(deliveries.begin()),
               std::make_move_iterator(deliveries.end()));
}

std::string_view exchange::concat(std::string_view a, std::string_view b) {
  char* p = memory_.make_array<char>(a.size() + b.size());
  if (p == nullptr) return {};
  a.copy(p, a.size());
  b.copy(p + a.size(), b.size());
  return {p, a.size() + b.size()};
}

void exchange::answer(std::size_t index, amf::packet_body body) {
  if (body.val.is_undefined()) broken_ = true;
  response_.bodies[index] = body;
  step();
}

void exchange::set_user(std::shared_ptr<const security::principal> user) {
  user_ = std::move(user);
  set_body_user(user_);
}

void exchange::set_body_user(std::shared_ptr<const security::principal> user) {
  body_user_ = std::move(user);
  context_.user = body_user_.get();
}

void exchange::add_reply_header(std::string name, std::string value) {
  reply_headers_.emplace_back(std::move(name), std::move(value));
}

amf::packet_body exchange::fault_body(std::size_t index, const fault& f) {
  return is_flex_body(request_.bodies[index]) ? flex_fault(*this, index, f)
                                              : netconnection_fault(*this, index, f);
}

void exchange::finish() {
  if (broken_) {
    send(plain_reply(500, "The reply could not be built\n"));
    return;
  }
  server::reply r;
  r.body = spare_reply_body();    // one an earlier reply left behind after its write, if any
  r.body.reserve(reply_reserve);  // a typical reply in one allocation, not one per doubling
  amf::status s = amf::encode_packet(response_, r.body, gateway_->encode);
  if (!s) {
    // A result the wire cannot carry (a string over 64 KiB in AMF0 keys, a cycle AMF0 cannot
    // express...): that body becomes a fault, the others keep their answers.
    std::vector<std::uint8_t> scratch;
    for (std::size_t i = 0; i < response_.bodies.size(); ++i) {
      amf::packet one;
      one.version = response_.version;
      if (!one.bodies.push_back(memory_, response_.bodies[i])) break;
      scratch.clear();
      if (!amf::encode_packet(one, scratch, gateway_->encode)) {
        response_.bodies[i] = fault_body(i, fault{fault_processing, "The result cannot be encoded", {}});
      }
    }
    r.body.clear();
    s = amf::encode_packet(response_, r.body, gateway_->encode);
    if (!s) {
      send(plain_reply(500, "The reply could not be encoded\n"));
      return;
    }
  }
  send(std::move(r));
}

void exchange::send(server::reply r) {
  for (auto& h : reply_headers_) r.headers.push_back(std::move(h));
  reply_callback done = std::move(done_);
  done(std::move(r));
}

}  // namespace amphora::server::detail
