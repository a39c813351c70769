// A published message as the broker keeps it: one immutable copy that owns its memory, shared by
// every subscriber queue it sits in (no copy per subscriber). The copy has no DSId and no
// DSEndpoint header (BlazeDS's MessageService strips them before pushing), and it keeps the
// publisher's messageId, timestamp, body and other headers.
#pragma once

#include <cstddef>
#include <memory>

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

  stored_message() = default;  // use make()
  stored_message(const stored_message&) = delete;
  stored_message& operator=(const stored_message&) = delete;

 private:
  amf::arena memory_{512};
  flex::async_message message_;
  std::size_t encoded_bytes_ = 0;
};

}  // namespace amphora::messaging
