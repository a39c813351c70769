// Typed mapping, part 1: how a C++ type declares its AS3 class. One constexpr function per type,
// found by argument-dependent lookup (declare it next to the type, or in amphora::amf):
//
//   struct order { std::int32_t id = 0; std::string note; };
//   constexpr auto amf_class(amphora::amf::type_tag<order>) {
//     namespace amf = amphora::amf;
//     return amf::define_class<order>("com.example.Order", amf::field<"id">(&order::id),
//                                     amf::field<"note">(&order::note));
//   }
//
// Enums map to their underlying integer unless they declare names the same way:
//
//   constexpr auto amf_enum(amphora::amf::type_tag<color>) {
//     return amphora::amf::enum_strings<color>({{color::red, "RED"}, {color::green, "GREEN"}});
//   }
//
// docs/typed-mapping.md describes the whole mapping.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace amphora::amf {

// The argument of amf_class / amf_enum: names the type without constructing one.
template <class T>
struct type_tag {};

// A string literal usable as a template argument (field names become part of the field's type,
// so error details naming the field are static strings built at compile time).
template <std::size_t N>
struct fixed_string {
  char text[N]{};
  constexpr fixed_string(const char (&s)[N]) noexcept {  // NOLINT(google-explicit-constructor)
    for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
  }
  constexpr std::string_view view() const noexcept { return {text, N - 1}; }
};

namespace detail {

// The static details of errors raised while converting one field's value.
struct field_text {
  std::string_view wrong_kind;        // the wire kind cannot become the C++ type
  std::string_view out_of_range;      // a number that the C++ type cannot hold; an unknown enum name
  std::string_view wrong_class;       // an object whose alias is not the registered one
  std::string_view unexpected;        // a member the class does not declare (policy reject)
  std::string_view cycle;             // a cyclic graph: C++ values cannot hold cycles
  std::string_view needs_arena;       // an amf::value field decoded without an arena
  std::string_view bad_date;          // a date the C++ time point cannot hold, or NaN
  std::string_view inexact;           // encoding: a 64-bit integer that no AMF number holds exactly
  std::string_view view_needs_arena;  // a std::string_view field decoded without an arena
};

// The concatenation of string literals, stored once per distinct combination.
template <fixed_string... Parts>
struct joined {
  static constexpr std::size_t size = (std::size_t{0} + ... + Parts.view().size());
  static constexpr std::array<char, size + 1> chars = [] {
    std::array<char, size + 1> a{};
    std::size_t i = 0;
    auto put = [&](std::string_view s) {
      for (char ch : s) a[i++] = ch;
    };
    (put(Parts.view()), ...);
    return a;
  }();
  static constexpr std::string_view view{chars.data(), size};
};

template <fixed_string... Prefix>
inline constexpr field_text make_field_text{
    joined<Prefix..., ": wire kind does not fit the C++ type">::view,
    joined<Prefix..., ": number out of the C++ type's range (or an undeclared enum name)">::view,
    joined<Prefix..., ": object's class alias is not the registered one">::view,
    joined<Prefix..., ": object has a member its class does not declare">::view,
    joined<Prefix..., ": cyclic reference cannot become a C++ value">::view,
    joined<Prefix..., ": amf::value needs the decode form that takes an arena">::view,
    joined<Prefix..., ": date out of the C++ time point's range">::view,
    joined<Prefix..., ": integer beyond 2^53 that an AMF number (double) cannot hold exactly">::view,
    joined<Prefix..., ": std::string_view needs the decode form that takes an arena">::view,
};

template <fixed_string Name>
inline constexpr const field_text& text_of_field = make_field_text<"field '", Name, "'">;

// Used for the top-level value (not inside any field).
inline constexpr const field_text& top_level_text = make_field_text<"top-level value">;

}  // namespace detail

// One member of a class: its AS3 name and the C++ data member.
template <fixed_string Name, class Class, class Member>
struct field_def {
  static_assert(!std::is_function_v<Member>,
                "amphora::amf::field: needs a data member, not a member function");
  static_assert(!Name.view().empty(), "amphora::amf::field: the member name must not be empty");
  using class_type = Class;
  using member_type = Member;
  static constexpr std::string_view name = Name.view();
  static constexpr const detail::field_text& text = detail::text_of_field<Name>;

  Member Class::*member;
};

template <fixed_string Name, class Class, class Member>
constexpr field_def<Name, Class, Member> field(Member Class::*member) noexcept {
  return {member};
}

// What decoding does with a member that the class does not declare.
enum class unexpected_members : std::uint8_t { ignore, reject };

template <class T, class... Fields>
struct class_def {
  std::string_view alias;
  std::tuple<Fields...> fields;
  unexpected_members unexpected = unexpected_members::ignore;
  bool anonymous_accepted = false;

  // A member that the class does not declare is errc::type_mismatch (default: ignored).
  constexpr class_def reject_unexpected() const noexcept {
    class_def c = *this;
    c.unexpected = unexpected_members::reject;
    return c;
  }
  // Anonymous objects (alias "") decode into T as well as objects of the alias.
  constexpr class_def accept_anonymous() const noexcept {
    class_def c = *this;
    c.anonymous_accepted = true;
    return c;
  }
};

namespace detail {
template <class... Fields>
constexpr bool unique_names() noexcept {
  constexpr std::array<std::string_view, sizeof...(Fields)> names{Fields::name...};
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t j = i + 1; j < names.size(); ++j) {
      if (names[i] == names[j]) return false;
    }
  }
  return true;
}
}  // namespace detail

// The declaration of T's AS3 class: its alias ("" only with accept_anonymous semantics in mind:
// it is written as an anonymous object) and its members, written in this order as sealed
// members.
template <class T, class... Fields>
constexpr class_def<T, Fields...> define_class(std::string_view alias, Fields... fields) noexcept {
  static_assert((std::is_base_of_v<typename Fields::class_type, T> && ...),
                "amphora::amf::define_class: a field's member pointer belongs to another class");
  static_assert(detail::unique_names<Fields...>(),
                "amphora::amf::define_class: two fields have the same name");
  return {alias, {fields...}};
}

template <class E>
struct enum_name {
  E value;
  std::string_view name;
};

// An enum sent as strings: each enumerator and its AS3 string.
template <class E, std::size_t N>
constexpr std::array<enum_name<E>, N> enum_strings(const enum_name<E> (&names)[N]) noexcept {
  static_assert(std::is_enum_v<E>, "amphora::amf::enum_strings: E must be an enum");
  std::array<enum_name<E>, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = names[i];
  return a;
}

// True when T has a class declaration (amf_class found by argument-dependent lookup).
template <class T>
concept registered_class = requires {
  amf_class(type_tag<T>{});
};

// True when the enum T declares string names.
template <class T>
concept named_enum = std::is_enum_v<T> && requires {
  amf_enum(type_tag<T>{});
};

}  // namespace amphora::amf
