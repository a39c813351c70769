#include "support/checks.hpp"

#include <limits>
#include <string>

namespace amphora::test {

testing::AssertionResult fails_with(wire_format f, const bytes& input, amf::errc want, std::size_t offset,
                                    const amf::decode_options& options) {
  amf::arena memory;
  const decoded d = decode_as(f, input, memory, options);
  const std::string shown = input.size() <= 64 ? to_hex(input) : std::to_string(input.size()) + " bytes";
  if (d.ok()) {
    return testing::AssertionFailure()
           << format_name(f) << " decoded " << shown << "; want " << errc_name(want) << " @ " << offset;
  }
  if (d.code() != want || d.error.offset != offset || d.error.detail.empty()) {
    return testing::AssertionFailure()
           << format_name(f) << " " << shown << ": got " << errc_name(d.code()) << " @ " << d.error.offset
           << " (" << describe(d.error) << "); want " << errc_name(want) << " @ " << offset;
  }
  // The same without the copy into the arena, from a buffer of the input's exact size.
  const amf::error_info in_place = decode_error_in_place(f, input, options);
  if (code_of(in_place) != want || in_place.offset != offset) {
    return testing::AssertionFailure()
           << format_name(f) << " " << shown << " in place: " << describe(in_place);
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult json_fails_with(std::string_view json, amf::errc want, std::size_t offset,
                                         const amf::json_read_options& options) {
  amf::arena memory;
  auto r = amf::value_from_json(json, memory, options);
  const std::string shown(json.substr(0, 80));
  if (r)
    return testing::AssertionFailure() << "read " << shown << "; want " << errc_name(want) << " @ " << offset;
  const auto code = code_of(r.error());
  if (code != want || r.error().offset != offset) {
    return testing::AssertionFailure()
           << shown << ": got " << errc_name(code) << " @ " << r.error().offset << " (" << describe(r.error())
           << "); want " << errc_name(want) << " @ " << offset;
  }
  return testing::AssertionSuccess();
}

amf::decode_options limits_with(void (*set)(amf::limits&)) {
  amf::decode_options o;
  set(o.limits);
  return o;
}

amf::decode_options permissive() {
  constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();
  amf::decode_options o;
  o.limits.max_input_bytes = unlimited;
  o.limits.max_string_bytes = unlimited;
  o.limits.max_elements = unlimited;
  o.limits.max_string_refs = unlimited;
  o.limits.max_object_refs = unlimited;
  o.limits.max_trait_refs = unlimited;
  o.limits.max_memory_bytes = unlimited;
  o.limits.max_headers = unlimited;
  o.limits.max_bodies = unlimited;
  return o;
}

}  // namespace amphora::test
