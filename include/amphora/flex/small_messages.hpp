// The small-message codecs (ISmallMessage, blazeds.md §2.5) as externalizable codecs: DSK
// (AcknowledgeMessageExt), DSA (AsyncMessageExt) and DSC (CommandMessageExt).
//
// A decoded small message is an externalizable object (alias "DSK", ...) whose `external` is the
// equivalent full-form typed object (alias flex.messaging.messages.AcknowledgeMessage, ...) with
// the members in the full form's order. Ids read as byte forms stay 16-byte ByteArrays there, and
// absent fields are null (strings, objects) or 0 (numbers), so canonical input re-encodes to the
// same bytes. flex::read_message understands both forms.
//
// Reading honours forward compatibility: every flag byte of a level is collected (bit 0x80 =
// another follows), then one AMF3 value is read and discarded for each set bit the level does not
// know (bits 0-6 of each byte; Flex's own reader only skips bits up to 5). At most 16 flag bytes
// per level are accepted.
//
// Writing: a field is written when it is set (non-null, non-empty string, non-zero number);
// ByteArray ids go out in the byte form, string ids in the string form.
#pragma once

#include "amphora/amf/externalizable.hpp"

namespace amphora::flex {

// amf::externalizable_registry::flex()'s entries (ArrayCollection, ArrayList, ObjectProxy) plus
// DSK, DSA and DSC. Use it for decode_options::registry and encode_options::registry.
const amf::externalizable_registry& registry();

}  // namespace amphora::flex
