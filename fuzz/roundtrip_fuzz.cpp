// libFuzzer target: what the decoders accept survives a round trip. The first byte picks the
// format (0: AMF3, 1: AMF0, 2: packet), the rest is the input. When it decodes:
//   decode -> encode -> decode gives an equal graph (deep_equal, sharing and cycles included),
//   encoding that graph again gives the same bytes (our encoder is canonical), and
//   value -> JSON -> value gives an equal graph and the same JSON text.
// Any difference aborts.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using namespace amphora::fuzz;

template <class Decode, class Encode>
void check_value_roundtrip(std::span<const std::uint8_t> input, Decode decode, Encode encode,
                           bool compare_flags) {
  amf::arena memory;
  auto v = decode_checked(input, memory, decode);
  if (!v) return;
  std::vector<std::uint8_t> bytes;
  check(encode(*v, bytes).ok(), "encoding a decoded value failed");
  amf::arena memory2;
  auto w = decode(std::span<const std::uint8_t>(bytes), memory2, decode_options());
  check(w.has_value(), "decoding what the encoder wrote failed");
  check(amf::deep_equal(*v, *w, compare_flags), "decode -> encode -> decode changed the graph");
  std::vector<std::uint8_t> again;
  check(encode(*w, again).ok(), "encoding a re-decoded value failed");
  check(bytes == again, "encoding is not canonical: the same graph gave other bytes");
  check_json_roundtrip(*v);
}

void check_packet_roundtrip(std::span<const std::uint8_t> input) {
  auto decode = [](auto in, amf::arena& m, const amf::decode_options& o) {
    return amf::decode_packet(in, m, o);
  };
  amf::arena memory;
  auto p = decode_checked(input, memory, decode);
  if (!p) return;
  std::vector<std::uint8_t> bytes;
  check(amf::encode_packet(*p, bytes, encode_options()).ok(), "encoding a decoded packet failed");
  amf::arena memory2;
  auto q = decode(std::span<const std::uint8_t>(bytes), memory2, decode_options());
  check(q.has_value(), "decoding the packet the encoder wrote failed");
  check(packets_equal(*p, *q), "packet decode -> encode -> decode changed the packet");
  std::vector<std::uint8_t> again;
  check(amf::encode_packet(*q, again, encode_options()).ok(), "encoding a re-decoded packet failed");
  check(bytes == again, "packet encoding is not canonical");

  std::string json;
  check(amf::to_json(*p, json).ok(), "to_json failed on a decoded packet");
  amf::arena memory3;
  auto r = amf::packet_from_json(json, memory3, json_options());
  check(r.has_value(), "packet_from_json rejected what to_json wrote");
  check(packets_equal(*p, *r), "packet -> JSON -> packet changed the packet");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      check_value_roundtrip(
          input,
          [](auto in, amf::arena& m, const amf::decode_options& o) { return amf::decode_amf3(in, m, o); },
          [](const amf::value& v, std::vector<std::uint8_t>& out) {
            return amf::encode_amf3(v, out, encode_options());
          },
          false);
      break;
    case 1:
      check_value_roundtrip(
          input,
          [](auto in, amf::arena& m, const amf::decode_options& o) { return amf::decode_amf0(in, m, o); },
          [](const amf::value& v, std::vector<std::uint8_t>& out) {
            return amf::encode_amf0(v, out, encode_options());
          },
          true);
      break;
    default:
      check_packet_roundtrip(input);
      break;
  }
  return 0;
}
