// Message and client ids: BlazeDS-shaped uppercase UUID strings "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX"
// (36 characters), drawn from the operating system's CSPRNG (getrandom(2), else /dev/urandom).
// They are RFC 4122 version-4 UUIDs (122 random bits). Small messages carry UUID-shaped ids as
// 16 raw bytes; uuid_to_bytes/uuid_from_bytes convert.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "amphora/amf/arena.hpp"

namespace amphora::flex {

inline constexpr std::size_t uuid_text_size = 36;
using uuid_bytes = std::array<std::uint8_t, 16>;

// Fills `out` from the OS CSPRNG. Throws std::system_error if the OS has none to offer (never
// falls back to a weak generator).
void random_bytes(std::span<std::uint8_t> out);

// A fresh random id, uppercase.
std::string new_uuid();
// The same, stored in `memory`; "" if the arena refuses memory.
std::string_view new_uuid(amf::arena& memory);

// True for exactly 36 characters 8-4-4-4-12 of uppercase hex digits and dashes (Flex's
// UIDUtil.isUID: only such ids are sent as bytes).
bool is_uuid(std::string_view text) noexcept;
// The 16 bytes of an id for which is_uuid holds; nullopt otherwise.
std::optional<uuid_bytes> uuid_to_bytes(std::string_view text) noexcept;
// The uppercase text of 16 bytes.
std::array<char, uuid_text_size> uuid_from_bytes(std::span<const std::uint8_t, 16> bytes) noexcept;

}  // namespace amphora::flex
