// Writes the typed fuzzer's seeds (typed_fuzz.cpp) into the directory named by its argument: the
// typed AMF3 encodings of typed_types.hpp's samples, and value-model encodings of variants the
// typed writer never produces (members out of order, dynamic and unknown members, a shared object,
// a cycle), each after the fuzzer's limits byte (0: default limits; a few with a shrunk limit).
// The build runs it (fuzz/CMakeLists.txt), like make_seeds.py for the other fuzzers.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "typed_types.hpp"

namespace {

namespace amf = amphora::amf;
namespace typed = amphora::fuzz::typed;
namespace fs = std::filesystem;

int written = 0;

bool write_seed(const fs::path& dir, const std::string& name, std::uint8_t config,
                const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(dir / name, std::ios::binary);
  out.put(static_cast<char>(config));
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ++written;
  return out.good();
}

template <class T>
bool typed_seed(const fs::path& dir, const std::string& name, const T& in, std::uint8_t config = 0) {
  amf::encode_options options;
  options.registry = &typed::registry();
  std::vector<std::uint8_t> bytes;
  if (!amf::encode_typed_amf3(in, bytes, options).ok()) return false;
  return write_seed(dir, name, config, bytes);
}

bool value_seed(const fs::path& dir, const std::string& name, const amf::value& v) {
  amf::encode_options options;
  options.registry = &typed::registry();
  std::vector<std::uint8_t> bytes;
  if (!amf::encode_amf3(v, bytes, options).ok()) return false;
  return write_seed(dir, name, 0, bytes);
}

// The sample record's members as dynamic members in reverse order, with a member fz.Record does
// not declare and a strict item written as an anonymous object.
bool reordered_seed(const fs::path& dir, amf::arena& memory) {
  amf::result<amf::value> v = amf::to_value(typed::sample_record(), memory);
  if (!v) return false;
  const amf::object_node& sealed = v->as_object();
  amf::object_node* o = amf::new_object(memory, "fz.Record", true);
  if (o == nullptr || !amf::add_dynamic(memory, *o, "unknown", amf::make_string(memory, "fz.Point")))
    return false;
  for (std::size_t i = sealed.sealed.size(); i-- > 0;) {
    if (!amf::add_dynamic(memory, *o, sealed.type->sealed[i], sealed.sealed[i])) return false;
  }
  amf::object_node* item = amf::new_object(memory, "", true);
  if (item == nullptr || !amf::add_dynamic(memory, *item, "hue", amf::make_string(memory, "RED")) ||
      !amf::add_dynamic(memory, *item, "small", amf::value::integer(3))) {
    return false;
  }
  amf::array_node* items = amf::new_array(memory);
  if (items == nullptr || !items->dense.push_back(memory, amf::value::of(item)) ||
      !amf::add_dynamic(memory, *o, "strict", amf::value::of(items))) {
    return false;
  }
  return value_seed(dir, "record-reordered", amf::value::of(o));
}

// The sample record with one point object in two places (an object reference: the typed reader
// restarts through the value model), and its tree with itself as a child (a cycle).
bool shared_seeds(const fs::path& dir, amf::arena& memory) {
  amf::result<amf::value> v = amf::to_value(typed::sample_record(), memory);
  if (!v) return false;
  amf::object_node& o = v->as_object();
  amf::value at, path, tree;
  for (std::size_t i = 0; i < o.sealed.size(); ++i) {
    if (o.type->sealed[i] == "at") at = o.sealed[i];
    if (o.type->sealed[i] == "path") path = o.sealed[i];
    if (o.type->sealed[i] == "tree") tree = o.sealed[i];
  }
  if (!path.is(amf::kind::array) || !tree.is(amf::kind::object)) return false;
  path.as_array().dense[1] = at;
  if (!value_seed(dir, "record-shared", *v)) return false;
  for (std::size_t i = 0; i < tree.as_object().sealed.size(); ++i) {
    amf::value& kids = tree.as_object().sealed[i];
    if (kids.is(amf::kind::array) && !kids.as_array().dense.push_back(memory, tree)) return false;
  }
  return value_seed(dir, "record-cycle", *v);
}

bool all_seeds(const fs::path& dir) {
  amf::arena memory;
  const typed::record sample = typed::sample_record();
  typed::envelope with_other = typed::sample_envelope(memory);
  with_other.other = sample;
  bool ok = typed_seed(dir, "record", sample) && typed_seed(dir, "record-default", typed::record{}) &&
            typed_seed(dir, "envelope", typed::sample_envelope(memory)) &&
            typed_seed(dir, "envelope-default", typed::envelope{}) &&
            typed_seed(dir, "envelope-two-records", with_other) && reordered_seed(dir, memory) &&
            shared_seeds(dir, memory);
  // The sample under each shrinkable limit (config byte: limit in bits 0-2, its value in bits 3-7).
  for (std::uint8_t limit = 2; ok && limit < 8; ++limit) {
    ok = typed_seed(dir, "record-limit-" + std::to_string(limit), sample,
                    static_cast<std::uint8_t>(limit | (6 << 3)));
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: typed_seeds OUT_DIR\n");
    return 2;
  }
  const fs::path dir(argv[1]);
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec || !all_seeds(dir)) {
    std::fprintf(stderr, "typed_seeds: could not write the seeds into %s\n", argv[1]);
    return 1;
  }
  std::printf("fuzz seeds: %d typed\n", written);
  return 0;
}
