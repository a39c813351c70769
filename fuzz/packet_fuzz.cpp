// libFuzzer target: decoding any bytes as an AMF packet fails cleanly or gives a packet that writes
// as JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace amphora::fuzz;
  amf::arena memory;
  auto p = decode_checked({data, size}, memory, [](auto input, amf::arena& m, const amf::decode_options& o) {
    return amf::decode_packet(input, m, o);
  });
  if (p) {
    std::string json;
    check(amf::to_json(*p, json).ok(), "to_json failed on a decoded packet");
  }
  return 0;
}
