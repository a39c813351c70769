// Internal: the string reference table of one direct typed AMF3 encode (typed_amf3.cpp): strings
// by content, numbered in the order first written, as amf3_writer numbers them. Small messages
// never hash: a 256-bit filter of (length, first byte, last byte) says whether an equal string can
// have been written before, and only then are the earlier strings compared, one by one. Past
// `linear_max` strings the table switches to hashing (content_map), so large messages stay linear.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "content_map.hpp"

namespace amphora::amf::detail {

class typed_string_table {
 public:
  static constexpr std::size_t linear_max = 64;

  void clear() noexcept {
    list_.clear();
    filter_ = {};
    map_.clear();
    hashed_ = 0;
  }

  using filter = std::array<std::uint64_t, 4>;

  // The filter bit of a string (not empty): from its length, first and last bytes.
  static unsigned signature(std::string_view s) noexcept {
    return (static_cast<unsigned>(s.size()) * 7u + static_cast<unsigned char>(s.front()) * 3u +
            static_cast<unsigned char>(s.back())) &
           255u;
  }

  // The index of a string equal to s (not empty), or the next index after adding s (`inserted`).
  std::uint32_t find_or_add(std::string_view s, bool& inserted) {
    const auto next = static_cast<std::uint32_t>(list_.size());
    if (next >= linear_max) return find_or_add_hashed(s, inserted);
    const unsigned key = signature(s);
    std::uint64_t& word = filter_[key >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (key & 63);
    if ((word & bit) != 0) {
      for (std::uint32_t i = 0; i < next; ++i) {
        if (same_bytes(list_[i], s)) {
          inserted = false;
          return i;
        }
      }
    }
    word |= bit;
    list_.push_back(s);
    inserted = true;
    return next;
  }

  // Adds `strings` (distinct, not empty; `bits` their signatures) when the filter shows that none
  // can be in the table and all fit before linear_max; false (nothing added) otherwise.
  bool add_all(const std::vector<std::string_view>& strings, const filter& bits) {
    if (list_.size() + strings.size() >= linear_max) return false;
    for (std::size_t i = 0; i < filter_.size(); ++i) {
      if ((filter_[i] & bits[i]) != 0) return false;
    }
    for (std::size_t i = 0; i < filter_.size(); ++i) filter_[i] |= bits[i];
    list_.insert(list_.end(), strings.begin(), strings.end());
    return true;
  }

 private:
  std::uint32_t find_or_add_hashed(std::string_view s, bool& inserted) {
    for (; hashed_ < list_.size(); ++hashed_) {  // the strings added while linear
      bool added = false;
      map_.find_or_insert(list_[hashed_], hash_bytes(list_[hashed_]), static_cast<std::uint32_t>(hashed_),
                          added, same_bytes);
    }
    const auto next = static_cast<std::uint32_t>(list_.size());
    const std::uint32_t index = map_.find_or_insert(s, hash_bytes(s), next, inserted, same_bytes);
    if (inserted) {
      list_.push_back(s);
      ++hashed_;
    }
    return index;
  }

  std::vector<std::string_view> list_;  // by index; views of the C++ object's strings
  filter filter_{};
  content_map<std::string_view> map_;
  std::size_t hashed_ = 0;  // list_ entries in map_
};

}  // namespace amphora::amf::detail
