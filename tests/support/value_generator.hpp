// Test support: a deterministic generator of random AMF value graphs (seeded std::mt19937_64;
// the same seed gives the same graph on every machine and run).
//
// Graphs contain every kind, shared nodes and cycles (a container may hold any node created
// before it in the same graph, its ancestors included), nested to a bounded depth. They are
// generated inside a codec's domain, i.e. only graphs that decode(encode(g)) can give back
// exactly; what that excludes is written here, so no property is weakened silently:
//
// graph_domain::amf3 (everything AMF3 can write):
//   - integers lie in AMF3's 29-bit range [-2^28, 2^28-1] (wider ones are written as doubles and
//     come back as kind::number: roundtrip_tests checks that mapping separately);
//   - doubles are any bit pattern (NaN payloads and -0.0 included);
//   - dates are within ECMAScript's range (so never NaN: the decoder refuses those), -0.0 and
//     fractional milliseconds included, timezone 0 (AMF3 dates have none);
//   - arrays never have the AMF0 `ecma` flag; associative keys, dynamic member names and
//     member names are non-empty (the empty name ends those lists on the wire) and unique per
//     container;
//   - externalizable objects use the built-in Flex aliases (ArrayCollection, ArrayList: body is
//     an array; ObjectProxy: body is an object).
// graph_domain::amf0 (everything AMF0 can write):
//   - numbers are kind::number (AMF0 has no integer type);
//   - arrays are strict (dense only) or ECMA (`ecma` set, associative part only); objects are
//     anonymous-dynamic (0x03) or typed with every member sealed (0x10);
//   - dates and XML documents are never shared (AMF0 gives them no reference slot, so sharing
//     cannot be written); only objects and arrays are shared or cyclic;
//   - every AMF3-only kind (and some AMF0-able ones) sits in a subgraph whose root value carries
//     value::flag_avmplus (written after 0x11); inside such subgraphs the amf3 rules hold, and
//     their nodes are shared only with other nodes of AMF3 subgraphs of the same top-level value
//     (one AMF3 reference context per top-level AMF0 value), never with the AMF0 part.
// packet(): version 0 or 3, up to 2 headers and 3 bodies, each value an independent amf0-domain
// graph (each header and body has its own reference tables).
#pragma once

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/packet.hpp"
#include "amphora/amf/value.hpp"

namespace amphora::test {

enum class graph_domain { amf3, amf0 };

struct graph_shape {
  int max_depth = 4;       // containers nest at most this deep
  int max_items = 5;       // children per container
  int share_percent = 15;  // chance that a child is an existing node (sharing, cycles)
};

class value_generator {
 public:
  value_generator(std::uint64_t seed, amf::arena& memory, graph_domain domain, graph_shape shape = {});

  // One graph; sharing happens within it only.
  amf::value graph();
  // A packet whose header and body values are independent amf0-domain graphs.
  amf::packet packet();

 private:
  amf::value amf3_value(int depth);
  amf::value amf0_value(int depth);
  amf::value amf3_scalar();
  amf::value amf3_container(int depth);
  amf::value amf0_container(int depth);

  amf::value amf3_array(int depth);
  amf::value amf3_object(int depth);
  amf::value externalizable(int depth);
  amf::value vector_object(int depth);
  amf::value dictionary(int depth);
  amf::value amf0_strict_array(int depth);
  amf::value amf0_ecma_array(int depth);
  amf::value amf0_object(int depth);
  amf::value avmplus(int depth);
  amf::value date(bool amf0_part);
  amf::value text(amf::kind k, bool amf0_part);
  amf::value byte_array();
  template <class T>
  amf::value vector();

  void start_graph();
  std::size_t items(int depth);
  std::string_view any_string();
  std::string_view unique_key(std::vector<std::string_view>& used);
  double any_double();
  std::int64_t any_int29();
  std::int32_t any_int32();
  std::uint32_t any_uint32();
  double any_date_millis();

  std::size_t below(std::size_t n);
  bool chance(int percent);
  template <class P>
  P* need(P* p);

  std::mt19937_64 rng_;
  amf::arena& memory_;
  graph_domain domain_;
  graph_shape shape_;
  std::vector<amf::value> amf0_nodes_;  // shareable nodes of the current graph's AMF0 part
  std::vector<amf::value> amf3_nodes_;  // ... of its AMF3 part
};

}  // namespace amphora::test
