#include "support/codec.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

namespace amphora::test {
namespace {

using amf::errc;

constexpr std::array<std::pair<errc, std::string_view>, 18> errc_names{{
    {errc::unexpected_end, "unexpected_end"},
    {errc::length_exceeds_input, "length_exceeds_input"},
    {errc::unknown_marker, "unknown_marker"},
    {errc::unsupported_marker, "unsupported_marker"},
    {errc::bad_reference, "bad_reference"},
    {errc::depth_exceeded, "depth_exceeded"},
    {errc::limit_exceeded, "limit_exceeded"},
    {errc::invalid_utf8, "invalid_utf8"},
    {errc::invalid_date, "invalid_date"},
    {errc::invalid_traits, "invalid_traits"},
    {errc::unknown_externalizable, "unknown_externalizable"},
    {errc::externalizable_failed, "externalizable_failed"},
    {errc::invalid_packet, "invalid_packet"},
    {errc::trailing_bytes, "trailing_bytes"},
    {errc::invalid_json, "invalid_json"},
    {errc::invalid_json_mapping, "invalid_json_mapping"},
    {errc::unencodable, "unencodable"},
    {errc::type_mismatch, "type_mismatch"},
}};

}  // namespace

std::string_view format_name(wire_format f) {
  switch (f) {
    case wire_format::amf0:
      return "amf0";
    case wire_format::amf3:
      return "amf3";
    case wire_format::packet:
      return "packet";
  }
  return "?";
}

decoded decode_as(wire_format f, std::span<const std::uint8_t> input, amf::arena& memory,
                  const amf::decode_options& options) {
  decoded d;
  d.format = f;
  if (f == wire_format::packet) {
    auto r = amf::decode_packet(input, memory, options);
    if (r) {
      d.pkt = *r;
    } else {
      d.error = r.error();
    }
    return d;
  }
  auto r = f == wire_format::amf0 ? amf::decode_amf0(input, memory, options)
                                  : amf::decode_amf3(input, memory, options);
  if (r) {
    d.val = *r;
  } else {
    d.error = r.error();
  }
  return d;
}

amf::error_info decode_error_in_place(wire_format f, std::span<const std::uint8_t> input,
                                      amf::decode_options options) {
  const std::unique_ptr<std::uint8_t[]> buffer(new std::uint8_t[input.empty() ? 1 : input.size()]);
  std::copy(input.begin(), input.end(), buffer.get());
  options.copy_input = false;
  amf::arena memory;
  return decode_as(f, std::span<const std::uint8_t>(buffer.get(), input.size()), memory, options).error;
}

amf::status encode_as(const decoded& d, bytes& out, const amf::encode_options& options) {
  switch (d.format) {
    case wire_format::amf0:
      return amf::encode_amf0(d.val, out, options);
    case wire_format::amf3:
      return amf::encode_amf3(d.val, out, options);
    case wire_format::packet:
      return amf::encode_packet(d.pkt, out, options);
  }
  return {};
}

amf::status json_of(const decoded& d, std::string& out) {
  return d.format == wire_format::packet ? amf::to_json(d.pkt, out) : amf::to_json(d.val, out);
}

decoded from_json_as(wire_format f, std::string_view json, amf::arena& memory) {
  decoded d;
  d.format = f;
  if (f == wire_format::packet) {
    auto r = amf::packet_from_json(json, memory);
    if (r) {
      d.pkt = *r;
    } else {
      d.error = r.error();
    }
    return d;
  }
  auto r = amf::value_from_json(json, memory);
  if (r) {
    d.val = *r;
  } else {
    d.error = r.error();
  }
  return d;
}

bool packets_equal(const amf::packet& a, const amf::packet& b, bool compare_flags) {
  if (a.version != b.version || a.headers.size() != b.headers.size() || a.bodies.size() != b.bodies.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    const amf::packet_header& x = a.headers[i];
    const amf::packet_header& y = b.headers[i];
    if (x.name != y.name || x.must_understand != y.must_understand) return false;
    if (!amf::deep_equal(x.val, y.val, compare_flags)) return false;
  }
  for (std::size_t i = 0; i < a.bodies.size(); ++i) {
    const amf::packet_body& x = a.bodies[i];
    const amf::packet_body& y = b.bodies[i];
    if (x.target != y.target || x.response != y.response) return false;
    if (!amf::deep_equal(x.val, y.val, compare_flags)) return false;
  }
  return true;
}

bool same_graph(const decoded& a, const decoded& b, bool compare_flags) {
  if (a.format == wire_format::packet || b.format == wire_format::packet) {
    return a.format == b.format && packets_equal(a.pkt, b.pkt, compare_flags);
  }
  return amf::deep_equal(a.val, b.val, compare_flags);
}

std::string describe(const amf::error_info& e) { return e.code ? e.message() : std::string("ok"); }

amf::errc code_of(const amf::error_info& e) { return static_cast<amf::errc>(e.code.value()); }

std::optional<amf::errc> errc_from_name(std::string_view name) {
  for (const auto& [e, n] : errc_names) {
    if (n == name) return e;
  }
  return std::nullopt;
}

std::string_view errc_name(amf::errc e) {
  for (const auto& [x, n] : errc_names) {
    if (x == e) return n;
  }
  return e == errc::ok ? "ok" : "?";
}

}  // namespace amphora::test
