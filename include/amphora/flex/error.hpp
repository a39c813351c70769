// Errors of the Flex message layer. They travel in amf::error_info (offset is always 0: a message
// is read from a decoded value, not from bytes) with a short static detail such as
// "clientId is not a string".
#pragma once

#include <system_error>
#include <type_traits>

namespace amphora::flex {

enum class errc {
  ok = 0,
  not_a_message,  // the value is not an object (nor a one-element array holding one)
  unknown_class,  // an object whose alias is not a Flex message class
  invalid_field,  // a member of the wrong kind (detail names it)
  out_of_memory,  // the arena refused memory
};

const std::error_category& flex_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), flex_category()}; }

}  // namespace amphora::flex

template <>
struct std::is_error_code_enum<amphora::flex::errc> : std::true_type {};
