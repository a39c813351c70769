#include "amphora/amf/externalizable.hpp"

#include <utility>

namespace amphora::amf {

void externalizable_registry::add(std::string alias, externalizable_codec codec) {
  codecs_.insert_or_assign(std::move(alias), std::move(codec));
}

const externalizable_codec* externalizable_registry::find(std::string_view alias) const noexcept {
  auto it = codecs_.find(alias);
  return it == codecs_.end() ? nullptr : &it->second;
}

externalizable_codec externalizable_registry::single_value() {
  return {
      [](external_reader& in, value& body) { return in.read_value(body); },
      [](external_writer& out, const value& body) { return out.write_value(body); },
  };
}

const externalizable_registry& externalizable_registry::flex() {
  // BlazeDS writes the source (an array) or the wrapped object as one AMF3 value
  // (blazeds.md §2.10); ArrayList is ArrayCollection's sibling with the same body.
  static const externalizable_registry registry = [] {
    externalizable_registry r;
    r.add("flex.messaging.io.ArrayCollection", single_value());
    r.add("flex.messaging.io.ArrayList", single_value());
    r.add("flex.messaging.io.ObjectProxy", single_value());
    return r;
  }();
  return registry;
}

}  // namespace amphora::amf
