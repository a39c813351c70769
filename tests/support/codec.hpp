// Test support: one interface over the three wire formats (AMF0 value, AMF3 value, packet), so
// the cross-cutting suites run the same checks on each.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amphora/amf.hpp"
#include "support/bytes.hpp"

namespace amphora::test {

enum class wire_format { amf0, amf3, packet };

std::string_view format_name(wire_format f);

// What a decode gave: a value (amf0, amf3) or a packet, or an error.
struct decoded {
  wire_format format = wire_format::amf3;
  amf::error_info error{};
  amf::value val{};
  amf::packet pkt{};

  bool ok() const noexcept { return !error.code; }
  amf::errc code() const noexcept { return static_cast<amf::errc>(error.code.value()); }
};

decoded decode_as(wire_format f, std::span<const std::uint8_t> input, amf::arena& memory,
                  const amf::decode_options& options = {});

// Decodes `input` in place from a heap buffer of exactly its size (copy_input forced off), so
// that reading past the input is an AddressSanitizer error. Only the error is returned: the graph
// viewed the buffer, which is gone.
amf::error_info decode_error_in_place(wire_format f, std::span<const std::uint8_t> input,
                                      amf::decode_options options = {});

// Encodes d.val or d.pkt in d.format; on failure returns the error and `out` is unspecified.
amf::status encode_as(const decoded& d, bytes& out, const amf::encode_options& options = {});

// to_json of d.val or d.pkt (compact).
amf::status json_of(const decoded& d, std::string& out);

// value_from_json or packet_from_json, by d's format, into a `decoded` of that format.
decoded from_json_as(wire_format f, std::string_view json, amf::arena& memory);

// Same graphs: values deep_equal (with compare_flags), packets field by field.
bool same_graph(const decoded& a, const decoded& b, bool compare_flags = true);
bool packets_equal(const amf::packet& a, const amf::packet& b, bool compare_flags = true);

// "bad_reference at byte 1: detail" (or "ok").
std::string describe(const amf::error_info& e);

// The errc of an error (errc::ok for none).
amf::errc code_of(const amf::error_info& e);

// "bad_reference" <-> errc::bad_reference (every enumerator except ok).
std::optional<amf::errc> errc_from_name(std::string_view name);
std::string_view errc_name(amf::errc e);

}  // namespace amphora::test
