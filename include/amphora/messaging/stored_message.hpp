// A published message as the broker keeps it: one immutable copy that owns its memory, shared by
// every subscriber queue it sits in (no copy per subscriber). The copy has no DSId and no
// DSEndpoint header (BlazeDS's MessageService strips them before pushing), and it keeps the
// publisher's messageId, timestamp, body and other headers.
//
// It also keeps the message's full-form AMF3 bytes (what a push channel sends), encoded once with
// a placeholder clientId: a subscriber's copy is those bytes with its subscription id spliced in
// (append_full_form), not a fresh encoding per subscriber.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "amphora/amf/arena.hpp"
#include "amphora/amf/error.hpp"
#include "amphora/flex/messages.hpp"

namespace amphora::messaging {

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

  // Appends the AMF3 encoding of message() in full form (an AsyncMessage) with clientId =
  // `client_id`: the same bytes as flex::to_value + amf::encode_amf3 of that copy. Spliced into
  // the bytes encoded once when `client_id` is not empty and none of the message's other strings
  // contains it (so the string reference table is the same); encoded afresh otherwise.
  amf::status append_full_form(std::string_view client_id, std::vector<std::uint8_t>& out) const;

  stored_message() = default;  // use make()
  stored_message(const stored_message&) = delete;
  stored_message& operator=(const stored_message&) = delete;

 private:
  amf::arena memory_{512};
  flex::async_message message_;
  std::size_t encoded_bytes_ = 0;
  // message() in full form with a fresh random clientId; [id_at_, id_end_) is that string's
  // length and bytes (id_at_ == id_end_: no template, every copy is encoded afresh).
  std::vector<std::uint8_t> full_form_;
  std::size_t id_at_ = 0;
  std::size_t id_end_ = 0;
  // A filter of the four-byte windows of the template outside the placeholder: a clientId whose
  // first or last four bytes are not among them is in none of the message's strings, so it is
  // spliced without searching the bytes for it (a search per subscriber otherwise).
  std::array<std::uint64_t, 16> windows_{};
  bool may_contain(std::string_view s) const noexcept;
};

}  // namespace amphora::messaging
