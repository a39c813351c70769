// libFuzzer target: reading any text as the JSON of a value and of a packet fails cleanly; what is
// read writes back as JSON and encodes (or is refused with an error) as AMF0, AMF3 and a packet.
// The text JSON gives is not always JSON -> value -> JSON stable (1.50 reads as 1.5), but the
// value it gives is: value -> JSON -> value must not change it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace amphora::fuzz;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  amf::arena memory;
  if (auto v = amf::value_from_json(text, memory, json_options())) {
    std::vector<std::uint8_t> bytes;
    (void)amf::encode_amf3(*v, bytes, encode_options());
    bytes.clear();
    (void)amf::encode_amf0(*v, bytes, encode_options());
    std::string json;
    // JSON strings may hold lone surrogates (\ud800), which are not UTF-8: to_json may refuse those.
    if (amf::to_json(*v, json).ok()) check_json_roundtrip(*v);
  }

  memory.reset();
  if (auto p = amf::packet_from_json(text, memory, json_options())) {
    std::vector<std::uint8_t> bytes;
    (void)amf::encode_packet(*p, bytes, encode_options());
    std::string json;
    (void)amf::to_json(*p, json);
  }
  return 0;
}
