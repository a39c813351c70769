// A published message's deliveries: bytes -> decode_amf3 -> the body (and, when it is an object,
// the headers) of an AsyncMessage -> stored_message::make -> append in full and in small form for
// several subscription ids. Checks: what append writes (spliced from the message's templates, or
// encoded afresh) is the encoding of that subscriber's copy by flex::to_value + encode_amf3, byte
// for byte, or both fail; several copies appended to one buffer are those encodings one after the
// other. The ids: UUIDs (the small form's 16-byte arrays, one made of the input's first 16 bytes,
// which the body may hold as a ByteArray, and its lower-case text, a string to the small form), an
// id that is not a UUID, the empty id, and the message's own strings (the full form's string table
// refers to them). Each id is given as text and as a subscriber_id (its UUID bytes converted once,
// as the broker's consumers keep them): both must give the fresh encoding's bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/amf.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/flex/small_messages.hpp"
#include "amphora/flex/uuid.hpp"
#include "amphora/messaging/stored_message.hpp"
#include "fuzz_support.hpp"

namespace {

namespace amf = amphora::amf;
namespace flex = amphora::flex;
namespace messaging = amphora::messaging;
using amphora::fuzz::check;

// What a channel wrote before the templates: the subscriber's copy as a value, encoded.
bool fresh_encoding(const flex::async_message& stored, std::string_view client_id, flex::form f,
                    std::vector<std::uint8_t>& out) {
  flex::async_message copy = stored;
  copy.client_id = client_id;
  amf::arena memory(1024);
  amf::result<amf::value> v = flex::to_value(memory, copy, f);
  if (!v) return false;
  amf::encode_options options;
  options.registry = &flex::registry();
  return amf::encode_amf3(*v, out, options).ok();
}

// Strings of the graph's first two levels (member names and values, array items), a few.
void collect_strings(const amf::value& v, int depth, std::vector<std::string>& out) {
  if (out.size() >= 8) return;
  if (v.is(amf::kind::string)) out.emplace_back(v.as_string());
  if (depth == 0) return;
  if (v.is(amf::kind::array)) {
    for (const amf::value& item : v.as_array().dense) collect_strings(item, depth - 1, out);
  } else if (v.is(amf::kind::object)) {
    for (const amf::member& m : v.as_object().dynamic) {
      out.emplace_back(m.name);
      collect_strings(m.val, depth - 1, out);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  amf::arena memory;
  amf::decode_options decode = amphora::fuzz::decode_options();
  decode.registry = &flex::registry();
  amf::result<amf::value> body = amf::decode_amf3(input, memory, decode);
  if (!body) return 0;

  flex::async_message m;
  m.destination = "chat";
  m.message_id = "7A5C2E1B-0D4F-4C3A-9E8B-112233445566";
  m.correlation_id = size % 2 == 0 ? "corr" : "";
  m.timestamp = static_cast<double>(size);
  m.body = *body;
  if (body->is(amf::kind::object)) m.headers = *body;
  auto stored = messaging::stored_message::make(m, 1 << 20);
  if (!stored) return 0;
  const flex::async_message& copy = (*stored)->message();

  std::vector<std::string> ids = {"8E1F0C3B-4A2D-4B6E-9C7F-0123456789AB",
                                  "7A5C2E1B-0D4F-4C3A-9E8B-112233445566", "sub-1", ""};
  if (size >= 16) {
    const auto text = flex::uuid_from_bytes(std::span<const std::uint8_t, 16>(data, 16));
    ids.emplace_back(text.data(), text.size());
    std::string lower(text.data(), text.size());  // not a UUID to the small form: a string
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    ids.push_back(lower);
  }
  collect_strings(*body, 2, ids);

  for (const flex::form f : {flex::form::full, flex::form::small}) {
    std::vector<std::uint8_t> all;
    std::vector<std::uint8_t> expected;
    for (const std::string& id : ids) {
      std::vector<std::uint8_t> spliced;
      std::vector<std::uint8_t> fresh;
      const bool appended = (*stored)->append(f, id, spliced).ok();
      check(appended == fresh_encoding(copy, id, f, fresh),
            "append and a fresh encoding disagree on failing");
      // The id as the broker's consumers keep it, its UUID bytes converted once.
      const messaging::subscriber_id kept(id);
      std::vector<std::uint8_t> from_kept;
      check((*stored)->append(f, kept, from_kept).ok() == appended,
            "append of a subscriber_id and of its text disagree on failing");
      if (!appended) continue;
      check(spliced == fresh, "append wrote other bytes than a fresh encoding of the copy");
      check(from_kept == fresh, "append of a subscriber_id wrote other bytes than a fresh encoding");
      check((*stored)->append(f, kept, all).ok(), "append after other copies failed");
      expected.insert(expected.end(), fresh.begin(), fresh.end());
    }
    check(all == expected, "copies appended to one buffer are not the encodings one after the other");
  }
  return 0;
}
