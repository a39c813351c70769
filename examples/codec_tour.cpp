// A tour of the codec API: build a value graph, encode it as AMF3, decode it back, print its
// lossless JSON, and show what a hostile input gets. Built and run by ctest (label: example).
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "amphora/amf.hpp"

namespace amf = amphora::amf;

int main() {
  amf::arena memory;

  // A typed object with sealed members, sharing one nested object twice.
  amf::object_node* customer = amf::new_object(memory);  // anonymous, dynamic
  amf::object_node* order = amf::new_object(memory, "com.example.Order", /*dynamic=*/false);
  amf::array_node* lines = amf::new_array(memory);
  if (customer == nullptr || order == nullptr || lines == nullptr) return 1;
  if (!amf::add_dynamic(memory, *customer, "name", amf::value::string("Ada")) ||
      !amf::add_sealed(memory, *order, "id", amf::value::integer(42)) ||
      !amf::add_sealed(memory, *order, "total", amf::value::number(99.5)) ||
      !amf::add_sealed(memory, *order, "billTo", amf::value::of(customer)) ||
      !amf::add_sealed(memory, *order, "shipTo", amf::value::of(customer)) ||
      !lines->dense.push_back(memory, amf::value::string("widget")) ||
      !amf::add_sealed(memory, *order, "lines", amf::value::of(lines))) {
    return 1;
  }
  const amf::value original = amf::value::of(order);

  std::vector<std::uint8_t> bytes;
  if (auto st = amf::encode_amf3(original, bytes); !st) {
    std::fprintf(stderr, "encode: %s\n", st.error().message().c_str());
    return 1;
  }
  std::printf("AMF3: %zu bytes\n", bytes.size());

  amf::arena decoded_memory;
  auto decoded = amf::decode_amf3(bytes, decoded_memory);
  if (!decoded) {
    std::fprintf(stderr, "decode: %s\n", decoded.error().message().c_str());
    return 1;
  }
  // billTo and shipTo are still one object after the round trip.
  const amf::object_node& o = decoded->as_object();
  const bool shared = o.find("billTo")->node() == o.find("shipTo")->node();
  std::printf("same graph: %s, customer shared: %s\n", amf::deep_equal(original, *decoded) ? "yes" : "no",
              shared ? "yes" : "no");

  std::string json;
  if (auto st = amf::to_json(*decoded, json); !st) return 1;
  std::printf("JSON: %s\n", json.c_str());

  // The input that crashed AmFast: an object reference to index 0x0FFFFFFF.
  const std::uint8_t hostile[] = {0x0A, 0xFF, 0xFF, 0xFF, 0xFE};
  auto bad = amf::decode_amf3(hostile, decoded_memory);
  std::printf("hostile input: %s\n", bad ? "accepted?!" : bad.error().message().c_str());
  return (amf::deep_equal(original, *decoded) && shared && !bad) ? 0 : 1;
}
