// Errors of the AMF codec: an error kind, the byte offset where work stopped, and a detail.
// The codec never throws on bad input; every entry point returns a result<T>.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace amphora::amf {

enum class errc {
  ok = 0,
  unexpected_end,          // input ended inside a value
  length_exceeds_input,    // a declared length or count is larger than the bytes left
  unknown_marker,          // a type marker that no AMF version defines
  unsupported_marker,      // movieclip, recordset, unsupported: defined, but refused
  bad_reference,           // a reference to an index that is not (yet) in the table
  depth_exceeded,          // nesting deeper than limits::max_depth
  limit_exceeded,          // a size, count, table or memory limit of limits was hit
  invalid_utf8,            // a string is not well-formed UTF-8
  invalid_date,            // a date that is NaN, infinite or outside ECMAScript's range
  invalid_traits,          // traits that contradict themselves
  unknown_externalizable,  // an externalizable alias that the registry does not know
  externalizable_failed,   // a registered externalizable reader or writer refused the data
  invalid_packet,          // a bad AMF packet envelope (version, counts)
  trailing_bytes,          // bytes left after a complete value where none may be
  invalid_json,            // JSON syntax
  invalid_json_mapping,    // JSON that is well-formed but not a valid Amphora mapping
  unencodable,             // a value the target format cannot represent
  type_mismatch,           // typed mapping: a value that does not fit its C++ field (kind, range, class)
};

const std::error_category& amf_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), amf_category()}; }

// What went wrong and where: `offset` is the byte offset in the input (for JSON, the character
// offset) at which decoding stopped; for encoding, the output size reached. `detail` is a
// static, human-readable refinement ("string length", "trait reference") or empty.
struct error_info {
  std::error_code code;
  std::size_t offset = 0;
  std::string_view detail;

  // "<kind> at byte <offset>: <detail>"
  std::string message() const;
};

template <class T>
class [[nodiscard]] result {
 public:
  result(T v) : value_(std::move(v)) {}  // NOLINT(google-explicit-constructor)
  result(error_info e) : error_(e) {}    // NOLINT(google-explicit-constructor)

  bool has_value() const noexcept { return !error_.code; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & noexcept { return value_; }
  const T& value() const& noexcept { return value_; }
  T&& value() && noexcept { return std::move(value_); }
  T& operator*() & noexcept { return value_; }
  const T& operator*() const& noexcept { return value_; }
  T* operator->() noexcept { return &value_; }
  const T* operator->() const noexcept { return &value_; }

  const error_info& error() const noexcept { return error_; }

 private:
  T value_{};
  error_info error_{};
};

// result<void>: success or an error.
struct [[nodiscard]] status {
  error_info err;
  status() = default;
  status(error_info e) : err(e) {}  // NOLINT(google-explicit-constructor)
  bool ok() const noexcept { return !err.code; }
  explicit operator bool() const noexcept { return ok(); }
  const error_info& error() const noexcept { return err; }
};

}  // namespace amphora::amf

template <>
struct std::is_error_code_enum<amphora::amf::errc> : std::true_type {};
