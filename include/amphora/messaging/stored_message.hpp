// A published message as the broker keeps it: one immutable copy that owns its memory, shared by
// every subscriber queue it sits in (no copy per subscriber). The copy has no DSId and no
// DSEndpoint header (BlazeDS's MessageService strips them before pushing), and it keeps the
// publisher's messageId, timestamp, body and other headers.
//
// It also keeps the message's AMF3 bytes as a push channel sends them, encoded once with a
// placeholder clientId: a subscriber's copy is those bytes with its subscription id spliced in
// (append), not a fresh encoding per subscriber. The full form (an AsyncMessage) is encoded when the
// message is stored; the small form (DSA, for clients that announced small messages) when a
// subscriber first asks for it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/error.hpp"
#include "amphora/flex/messages.hpp"
#include "amphora/flex/uuid.hpp"

namespace amphora::messaging {

// A subscriber's id as stored_message::append takes it: its text, and its 16 bytes when the text
// is a UUID (flex::uuid_to_bytes: what the small form writes), converted once here rather than on
// every append. The broker keeps one per consumer, shared by the consumer's deliveries.
class subscriber_id {
 public:
  explicit subscriber_id(std::string text) : text_(std::move(text)), bytes_(flex::uuid_to_bytes(text_)) {}

  const std::string& text() const noexcept { return text_; }
  const std::optional<flex::uuid_bytes>& bytes() const noexcept { return bytes_; }

 private:
  std::string text_;
  std::optional<flex::uuid_bytes> bytes_;
};

class stored_message {
 public:
  // Copies `m` (its body and headers graphs, keeping shared references and cycles) into memory of
  // its own. Fails (amf error) when the graph cannot be encoded as AMF3 or is larger than
  // `max_bytes` once encoded.
  static amf::result<std::shared_ptr<const stored_message>> make(const flex::async_message& m,
                                                                 std::size_t max_bytes);

  const flex::async_message& message() const noexcept { return message_; }
  // The AMF3 size of the copy (what its memory is proportional to).
  std::size_t encoded_bytes() const noexcept { return encoded_bytes_; }

  // Appends the AMF3 encoding of message() in form `f` with clientId = `client_id`: the same bytes
  // as flex::to_value + amf::encode_amf3 of that copy. Spliced into the bytes encoded once when
  // the form's template can hold the id as it is; encoded afresh otherwise:
  // - full form: `client_id` is not empty and none of the message's other strings contains it
  //   (so the string reference table is the same);
  // - small form: `client_id` is a UUID, which the small form writes as a 16-byte ByteArray (a
  //   new entry of the object table, whatever its bytes, and none of the string table).
  // Safe to call from several threads at once (the small form's template is built once).
  amf::status append(flex::form f, std::string_view client_id, std::vector<std::uint8_t>& out) const;
  // The same for `client_id`'s text, its UUID bytes taken as they are (not converted again).
  amf::status append(flex::form f, const subscriber_id& client_id, std::vector<std::uint8_t>& out) const;

  stored_message() = default;  // use make()
  stored_message(const stored_message&) = delete;
  stored_message& operator=(const stored_message&) = delete;

 private:
  amf::arena memory_{512};
  flex::async_message message_;
  std::size_t encoded_bytes_ = 0;
  // The bytes of message() with a random placeholder clientId; [id_at, id_end) is what a
  // subscriber's id replaces (id_at == id_end: no template, every copy is encoded afresh).
  struct form_template {
    std::vector<std::uint8_t> bytes;
    std::size_t id_at = 0;
    std::size_t id_end = 0;
  };
  // The full form: the placeholder is a string (its length and bytes).
  form_template full_form_;
  // The small form: the placeholder is a UUID's 16 bytes (after the ByteArray's marker and
  // length). Built by the first small-form append.
  mutable form_template small_form_;
  mutable std::once_flag small_form_once_;
  // A filter of the four-byte windows of the template outside the placeholder: a clientId whose
  // first or last four bytes are not among them is in none of the message's strings, so it is
  // spliced without searching the bytes for it (a search per subscriber otherwise).
  std::array<std::uint64_t, 16> windows_{};
  bool may_contain(std::string_view s) const noexcept;
  amf::status append_full_form(std::string_view client_id, std::vector<std::uint8_t>& out) const;
  // `id_bytes`: flex::uuid_to_bytes(client_id).
  amf::status append_small_form(std::string_view client_id, const std::optional<flex::uuid_bytes>& id_bytes,
                                std::vector<std::uint8_t>& out) const;
};

}  // namespace amphora::messaging
