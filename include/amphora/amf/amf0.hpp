// AMF0 (Adobe "Action Message Format -- AMF 0", 2007): one value <-> bytes. AMF3-only kinds
// (ByteArray, Vector, Dictionary, E4X XML, values flagged avmplus) are written behind the AVM+
// marker 0x11; one AMF3 reference context serves all switches inside one top-level value.
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
struct amf0_decoder_state;
struct amf0_encoder_state;
}  // namespace detail

// Reusable: keeps its reference tables' memory between calls (each call starts with empty
// tables), so a warmed-up decoder plus a reset arena allocate nothing.
class amf0_decoder {
 public:
  explicit amf0_decoder(decode_options options = {});
  ~amf0_decoder();
  amf0_decoder(amf0_decoder&&) noexcept;
  amf0_decoder& operator=(amf0_decoder&&) noexcept;

  // Decodes one value from `input`; its nodes live in `memory`.
  result<value> decode(std::span<const std::uint8_t> input, arena& memory);
  const decode_options& options() const noexcept;

 private:
  std::unique_ptr<detail::amf0_decoder_state> state_;
};

class amf0_encoder {
 public:
  explicit amf0_encoder(encode_options options = {});
  ~amf0_encoder();
  amf0_encoder(amf0_encoder&&) noexcept;
  amf0_encoder& operator=(amf0_encoder&&) noexcept;

  // Appends the encoding of `v` to `out`.
  status encode(const value& v, std::vector<std::uint8_t>& out);

 private:
  std::unique_ptr<detail::amf0_encoder_state> state_;
};

// One-shot forms.
result<value> decode_amf0(std::span<const std::uint8_t> input, arena& memory,
                          const decode_options& options = {});
status encode_amf0(const value& v, std::vector<std::uint8_t>& out, const encode_options& options = {});

}  // namespace amphora::amf
