// The service API: what a C++ application registers so that AMF clients (Flash NetConnection,
// Flex/Royale RemoteObject) can call it. A destination ("EchoService") holds operations
// ("echo"); only registered operations are callable.
//
//   service_registry services;
//   services.add("Calculator")
//       .operation("echo", [](amf::value v) { return v; })              // raw value in, out
//       .operation("add", [](int a, int b) { return a + b; })           // typed (amf/typed.hpp)
//       .operation("report", make_report, {.blocking = true})           // runs on the worker pool
//       .raw_operation("sum", [](call_context&, std::span<const amf::value> args, amf::arena& a)
//                                  -> amf::result<amf::value> { ... })
//       .async_operation("later", [](call_context&, std::span<const amf::value>, amf::arena&,
//                                    completion done) { queue(std::move(done)); });
//
// Values an operation returns must live in the call's arena (the `amf::arena&` argument,
// call_context::memory) or in memory that outlives the reply (string literals). The reply is
// encoded from the value graph, so a typed object keeps its alias and an ArrayCollection stays one.
//
// Failures: throw service_error to send a fault with your message and code; any other exception
// becomes a fault with a generic message (its what() is never sent to the client).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/error.hpp"
#include "amphora/amf/packet.hpp"
#include "amphora/amf/typed.hpp"
#include "amphora/amf/value.hpp"
#include "amphora/security/principal.hpp"

namespace amphora::server {

// The one exception type whose message reaches the client (faultString / description).
class service_error : public std::runtime_error {
 public:
  explicit service_error(const std::string& message, std::string code = "Server.Processing",
                         std::string detail = {})
      : std::runtime_error(message), code_(std::move(code)), detail_(std::move(detail)) {}
  // Flex faultCode / NetConnection status code ("Server.Processing", or your own).
  const std::string& code() const noexcept { return code_; }
  // Flex faultDetail / NetConnection details.
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::string code_;
  std::string detail_;
};

enum class client_style {
  netconnection,  // AMF0 remoting: body target "Service.method"
  flex,           // RemotingMessage in a body with target "null" (Flex, Royale)
};

// What a call knows about its request. Every view is valid until the operation has completed
// (returned, or called its completion).
struct call_context {
  std::string_view destination;  // "EchoService"
  std::string_view operation;    // "echo"
  client_style style = client_style::netconnection;
  std::span<const amf::packet_header> packet_headers;  // the AMF envelope's headers
  amf::value message_headers;  // Flex: the message's headers object (DSEndpoint, ...); else undefined
  std::string_view ds_id;      // the client's DSId if this gateway issued it, else ""
  std::string_view client_id;  // Flex: the message's clientId (or the one assigned), else ""
  std::string_view remote_address;
  amf::arena* memory = nullptr;  // the call's arena: allocate results here
  // The authenticated caller (set by authentication), nullptr for an anonymous one. Valid for
  // the call, like the views above.
  const security::principal* user = nullptr;

  // A Flex message header, else a packet header, of that name; nullptr if none.
  const amf::value* header(std::string_view name) const noexcept;
};

namespace detail {
struct completion_state;
}

// Finishes an async operation: call succeed or fail once, from any thread. Copies share one
// state; later calls are ignored. If every copy is destroyed before either is called, the client
// gets a Server.Processing fault. The arena and context may be used until then, from one
// thread at a time.
class completion {
 public:
  explicit completion(std::shared_ptr<detail::completion_state> state) noexcept : state_(std::move(state)) {}
  void succeed(amf::value result) const;
  void fail(const service_error& error) const;

 private:
  std::shared_ptr<detail::completion_state> state_;
};

using raw_handler =
    std::function<amf::result<amf::value>(call_context&, std::span<const amf::value>, amf::arena&)>;
using async_handler =
    std::function<void(call_context&, std::span<const amf::value>, amf::arena&, completion)>;

struct operation_options {
  // Run on the server's blocking_runner (a worker pool), never on the event loop.
  bool blocking = false;
};

namespace detail {
template <class F>
raw_handler adapt_typed(std::string operation, F f);
}  // namespace detail

// One destination (a "service") and its operations.
class destination {
 public:
  struct entry {
    async_handler call;  // every kind of operation, in its async form
    operation_options options;
  };

  explicit destination(std::string name) : name_(std::move(name)) {}
  const std::string& name() const noexcept { return name_; }

  // A raw handler, or an ordinary function whose parameters are amf::value or types the typed
  // mapping (amf/typed.hpp) converts, optionally preceded by call_context&; it returns void,
  // amf::value, amf::result<amf::value> or a convertible type. Re-registering replaces.
  template <class F>
  destination& operation(std::string name, F f, operation_options options = {}) {
    if constexpr (std::is_invocable_r_v<amf::result<amf::value>, F&, call_context&,
                                        std::span<const amf::value>, amf::arena&>) {
      return raw_operation(std::move(name), raw_handler(std::move(f)), options);
    } else {
      raw_handler h = detail::adapt_typed(name, std::move(f));
      return raw_operation(std::move(name), std::move(h), options);
    }
  }
  destination& raw_operation(std::string name, raw_handler handler, operation_options options = {});
  destination& async_operation(std::string name, async_handler handler, operation_options options = {});

  const entry* find(std::string_view operation) const noexcept;
  std::vector<std::string> operation_names() const;  // sorted

 private:
  std::string name_;
  std::map<std::string, entry, std::less<>> operations_;
};

// All destinations. Register everything before the server starts: lookups are not
// synchronised with additions.
class service_registry {
 public:
  // The destination of that name, created if new.
  destination& add(std::string name);
  const destination* find(std::string_view name) const noexcept;
  std::vector<std::string> destination_names() const;  // sorted

 private:
  std::map<std::string, destination, std::less<>> destinations_;
};

// The built-in EchoService (echo, add, reverse, now, sum), registered under `name`.
void add_echo_service(service_registry& registry, std::string name = "EchoService");

// ---- typed operations ----

namespace detail {

template <class T>
struct callable_traits : callable_traits<decltype(&T::operator())> {};
template <class R, class... A>
struct callable_traits<R (*)(A...)> {
  using result = R;
  using args = std::tuple<A...>;
};
template <class R, class... A>
struct callable_traits<R (*)(A...) noexcept> : callable_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...)> : callable_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) const> : callable_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) noexcept> : callable_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) const noexcept> : callable_traits<R (*)(A...)> {};

template <class T>
using bare = std::remove_cvref_t<T>;

template <class Tuple>
constexpr bool takes_context() {
  if constexpr (std::tuple_size_v<Tuple> == 0) {
    return false;
  } else {
    return std::is_same_v<bare<std::tuple_element_t<0, Tuple>>, call_context>;
  }
}

// Throws service_error (Server.ResourceUnavailable, like BlazeDS's method matching).
[[noreturn]] void throw_argument_count(std::string_view operation, std::size_t expected, std::size_t got);
[[noreturn]] void throw_argument_kind(std::string_view operation, std::size_t index, const amf::value& got,
                                      std::string_view why);
[[noreturn]] void throw_result_failed(std::string_view operation, const amf::error_info& error);

template <class P>
P convert_argument(std::string_view operation, std::size_t index, const amf::value& v) {
  if constexpr (std::is_same_v<P, amf::value>) {
    return v;
  } else {
    P out{};
    if (amf::status s = amf::from_value(v, out); !s) {
      throw_argument_kind(operation, index, v, s.error().detail);
    }
    return out;
  }
}

template <class R>
amf::result<amf::value> convert_result(std::string_view operation, R&& r, amf::arena& memory) {
  using T = bare<R>;
  if constexpr (std::is_same_v<T, amf::value> || std::is_same_v<T, amf::result<amf::value>>) {
    return std::forward<R>(r);
  } else {
    amf::result<amf::value> v = amf::to_value(r, memory);
    if (!v) throw_result_failed(operation, v.error());
    return v;
  }
}

template <class F>
raw_handler adapt_typed(std::string operation, F f) {
  using traits = callable_traits<bare<F>>;
  using args = typename traits::args;
  constexpr bool with_context = takes_context<args>();
  constexpr std::size_t skip = with_context ? 1 : 0;
  constexpr std::size_t arity = std::tuple_size_v<args> - skip;
  return [operation = std::move(operation), f = std::move(f)](
             call_context& ctx, std::span<const amf::value> in,
             amf::arena& memory) mutable -> amf::result<amf::value> {
    if (in.size() != arity) throw_argument_count(operation, arity, in.size());
    auto invoke = [&]<std::size_t... I>(std::index_sequence<I...>)->decltype(auto) {
      // Braced initialisation converts left to right, so the first bad argument is reported.
      std::tuple<bare<std::tuple_element_t<I + skip, args>>...> converted{
          convert_argument<bare<std::tuple_element_t<I + skip, args>>>(operation, I, in[I])...};
      if constexpr (with_context) {
        return f(ctx, std::move(std::get<I>(converted))...);
      } else {
        (void)ctx;
        return f(std::move(std::get<I>(converted))...);
      }
    };
    if constexpr (std::is_void_v<typename traits::result>) {
      invoke(std::make_index_sequence<arity>{});
      return amf::value::null();
    } else {
      return convert_result(operation, invoke(std::make_index_sequence<arity>{}), memory);
    }
  };
}

}  // namespace detail
}  // namespace amphora::server
