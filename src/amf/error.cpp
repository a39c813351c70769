#include "amphora/amf/error.hpp"

namespace amphora::amf {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "amphora.amf"; }
  std::string message(int e) const override {
    switch (static_cast<errc>(e)) {
      case errc::ok:
        return "ok";
      case errc::unexpected_end:
        return "unexpected end of input";
      case errc::length_exceeds_input:
        return "declared length exceeds the input left";
      case errc::unknown_marker:
        return "unknown type marker";
      case errc::unsupported_marker:
        return "unsupported type marker";
      case errc::bad_reference:
        return "reference to an undefined index";
      case errc::depth_exceeded:
        return "nesting too deep";
      case errc::limit_exceeded:
        return "limit exceeded";
      case errc::invalid_utf8:
        return "string is not valid UTF-8";
      case errc::invalid_date:
        return "invalid date";
      case errc::invalid_traits:
        return "invalid traits";
      case errc::unknown_externalizable:
        return "unknown externalizable class";
      case errc::externalizable_failed:
        return "externalizable class refused its data";
      case errc::invalid_packet:
        return "invalid AMF packet";
      case errc::trailing_bytes:
        return "trailing bytes after the value";
      case errc::invalid_json:
        return "invalid JSON";
      case errc::invalid_json_mapping:
        return "invalid JSON mapping";
      case errc::unencodable:
        return "value cannot be encoded";
      case errc::type_mismatch:
        return "value does not fit its C++ type";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& amf_category() noexcept {
  static const category c;
  return c;
}

std::string error_info::message() const {
  std::string m = code.message();
  m += " at byte ";
  m += std::to_string(offset);
  if (!detail.empty()) {
    m += ": ";
    m += detail;
  }
  return m;
}

}  // namespace amphora::amf
