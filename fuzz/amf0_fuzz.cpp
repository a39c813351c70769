// libFuzzer target: AMF0 decoding of any bytes fails cleanly or gives a value that writes as JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace amphora::fuzz;
  amf::arena memory;
  auto v = decode_checked({data, size}, memory, [](auto input, amf::arena& m, const amf::decode_options& o) {
    return amf::decode_amf0(input, m, o);
  });
  if (v) {
    std::string json;
    check(amf::to_json(*v, json).ok(), "to_json failed on a decoded AMF0 value");
  }
  return 0;
}
