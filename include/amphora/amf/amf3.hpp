// AMF3 (Adobe "Action Message Format -- AMF 3", 2006/2013): one value <-> bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "amphora/amf/error.hpp"
#include "amphora/amf/options.hpp"
#include "amphora/amf/value.hpp"

namespace amphora::amf {

namespace detail {
struct amf3_decoder_state;
struct amf3_encoder_state;
}  // namespace detail

// Reusable: keeps its reference tables' memory between calls (each call starts with empty
// tables), so a warmed-up decoder plus a reset arena allocate nothing.
class amf3_decoder {
 public:
  explicit amf3_decoder(decode_options options = {});
  ~amf3_decoder();
  amf3_decoder(amf3_decoder&&) noexcept;
  amf3_decoder& operator=(amf3_decoder&&) noexcept;

  // Decodes one value from `input`; its nodes live in `memory`.
  result<value> decode(std::span<const std::uint8_t> input, arena& memory);
  const decode_options& options() const noexcept;

 private:
  std::unique_ptr<detail::amf3_decoder_state> state_;
};

class amf3_encoder {
 public:
  explicit amf3_encoder(encode_options options = {});
  ~amf3_encoder();
  amf3_encoder(amf3_encoder&&) noexcept;
  amf3_encoder& operator=(amf3_encoder&&) noexcept;

  // Appends the encoding of `v` to `out`.
  status encode(const value& v, std::vector<std::uint8_t>& out);

 private:
  std::unique_ptr<detail::amf3_encoder_state> state_;
};

// One-shot forms.
result<value> decode_amf3(std::span<const std::uint8_t> input, arena& memory,
                          const decode_options& options = {});
status encode_amf3(const value& v, std::vector<std::uint8_t>& out, const encode_options& options = {});

}  // namespace amphora::amf
