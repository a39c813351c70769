#include "dump.hpp"

#include <algorithm>
#include <cstdio>

namespace amphora::cli {
namespace {

constexpr std::size_t row_bytes = 16;
constexpr std::string_view row_indent = "  ";
constexpr std::size_t offset_digits = 8;

void append_hex(std::string& out, std::uint8_t b) {
  constexpr char digits[] = "0123456789abcdef";
  out += digits[b >> 4];
  out += digits[b & 0xF];
}

void append_offset(std::string& out, std::size_t offset) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%0*zx", static_cast<int>(offset_digits), offset);
  out += buf;
}

// Column of byte `i` (0..15) of a row, counted from the start of the line.
std::size_t byte_column(std::size_t i) {
  return row_indent.size() + offset_digits + 2 + 3 * i + (i >= row_bytes / 2 ? 1 : 0);
}

// "  00000010  0a 0b 01 09 6e 61 6d 65  04 01 .. |....name..|" for the row starting at `start`.
std::string hex_row(std::span<const std::uint8_t> bytes, std::size_t start) {
  std::string row(row_indent);
  append_offset(row, start);
  row += "  ";
  const std::size_t n = std::min(row_bytes, bytes.size() - start);
  for (std::size_t i = 0; i < row_bytes; ++i) {
    if (i == row_bytes / 2) row += ' ';
    if (i < n) {
      append_hex(row, bytes[start + i]);
      row += ' ';
    } else {
      row += "   ";
    }
  }
  row += " |";
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t b = bytes[start + i];
    row += (b >= 0x20 && b < 0x7F) ? static_cast<char>(b) : '.';
  }
  row += "|\n";
  return row;
}

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Display columns of UTF-8 text: one per character (continuation bytes do not count).
std::size_t columns(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !is_utf8_continuation(c); }));
}

}  // namespace

std::string hex_bytes(std::span<const std::uint8_t> bytes, std::size_t max) {
  std::string out;
  const std::size_t n = std::min(max, bytes.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out += ' ';
    append_hex(out, bytes[i]);
  }
  if (bytes.size() > max) out += " …";
  return out;
}

std::string hex_context(std::span<const std::uint8_t> bytes, std::size_t offset, std::size_t rows_before,
                        std::size_t rows_after) {
  offset = std::min(offset, bytes.size());
  const std::size_t row_of_offset = offset / row_bytes;
  const std::size_t last_row = bytes.empty() ? 0 : (bytes.size() - 1) / row_bytes;
  const std::size_t first = row_of_offset > rows_before ? row_of_offset - rows_before : 0;
  const std::size_t last = std::max(row_of_offset, std::min(last_row, row_of_offset + rows_after));
  std::string out;
  for (std::size_t row = first; row <= last; ++row) {
    out += hex_row(bytes, row * row_bytes);
    if (row == row_of_offset) {
      out += std::string(byte_column(offset % row_bytes), ' ');
      out += offset == bytes.size() ? "^^ end of input\n" : "^^\n";
    }
  }
  return out;
}

std::string text_context(std::string_view text, std::size_t offset) {
  constexpr std::size_t window = 60;  // bytes shown on each side of the offset in a long line
  offset = std::min(offset, text.size());
  const std::size_t nl_before = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  const std::size_t line_start = nl_before == std::string_view::npos ? 0 : nl_before + 1;
  const std::size_t line_end = std::min(text.find('\n', offset), text.size());
  const auto line_no =
      1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + line_start, '\n'));
  const std::size_t column = 1 + columns(text.substr(line_start, offset - line_start));

  std::size_t from = offset - line_start > window ? offset - window : line_start;
  while (from > line_start && is_utf8_continuation(text[from])) --from;
  std::size_t to = line_end - offset > window ? offset + window : line_end;
  while (to < line_end && is_utf8_continuation(text[to])) ++to;

  std::string shown = from > line_start ? "…" : "";
  const std::size_t caret_column = columns(shown) + columns(text.substr(from, offset - from));
  for (char c : text.substr(from, to - from)) shown += (c == '\t' || c == '\r') ? ' ' : c;
  if (to < line_end) shown += "…";

  std::string out = std::string(row_indent) + "line " + std::to_string(line_no) + ", column " +
                    std::to_string(column) + ":\n";
  out += std::string(row_indent) + shown + "\n";
  out += std::string(row_indent) + std::string(caret_column, ' ') + "^\n";
  return out;
}

}  // namespace amphora::cli
