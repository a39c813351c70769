// Test support: assertions that an input fails with an exact error kind and byte offset.
//
// Offsets follow the decoders' convention: a bad field is reported where the field starts (a
// reference's U29, a date's double, a container's marker for depth); a declared length that the
// input cannot hold, where its data would start.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string_view>

#include "support/codec.hpp"

namespace amphora::test {

// Decoding `input` as `f` fails with `want` at `offset`, with a detail; and the same when decoded
// in place from a buffer of the input's exact size (decode_error_in_place).
testing::AssertionResult fails_with(wire_format f, const bytes& input, amf::errc want, std::size_t offset,
                                    const amf::decode_options& options = {});

// value_from_json(json) fails with `want` at `offset`.
testing::AssertionResult json_fails_with(std::string_view json, amf::errc want, std::size_t offset,
                                         const amf::json_read_options& options = {});

// Default options with some limits changed: limits_with([](amf::limits& l) { l.max_depth = 2; }).
amf::decode_options limits_with(void (*set)(amf::limits&));

// Every size limit off, so that only the check against the bytes left can stop a huge length.
amf::decode_options permissive();

}  // namespace amphora::test
