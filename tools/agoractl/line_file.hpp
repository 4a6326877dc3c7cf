#pragma once
// Line-oriented files for export and import: plain or gzip (by the name: a
// name ending in ".gz" is written compressed; reading detects gzip by its
// content), "-" for stdout / stdin. A file written here appears under its
// name only once commit() has flushed and synced it: an export that fails or
// is interrupted leaves no truncated file behind that looks like a good one.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace agora::agoractl {

class line_writer {
 public:
  /// Opens `path` ("-": stdout) for writing, through a temporary name beside it.
  static expected<line_writer, std::string> open(const std::string& path);
  line_writer(line_writer&&) noexcept;
  line_writer& operator=(line_writer&&) noexcept;
  /// Removes the temporary file unless commit() succeeded.
  ~line_writer();

  /// Appends bytes (the caller writes the '\n's).
  expected<void, std::string> write(std::string_view bytes);
  /// Flushes, syncs and renames the file to its name.
  expected<void, std::string> commit();
  /// Bytes written so far, before compression.
  std::uint64_t bytes() const;

 private:
  struct state;
  explicit line_writer(std::unique_ptr<state> s);
  std::unique_ptr<state> s_;
};

class line_reader {
 public:
  /// Opens `path` ("-": stdin), plain or gzip.
  static expected<line_reader, std::string> open(const std::string& path);
  line_reader(line_reader&&) noexcept;
  line_reader& operator=(line_reader&&) noexcept;
  ~line_reader();

  /// The next line, without its '\n', valid until the next call; false at the
  /// end of the file. An error names the line and the cause (a damaged gzip
  /// stream, a read error).
  expected<bool, std::string> next(std::string_view& line);
  /// The number of the line next() answered last, from 1.
  std::uint64_t line_number() const;

 private:
  struct state;
  explicit line_reader(std::unique_ptr<state> s);
  std::unique_ptr<state> s_;
};

}  // namespace agora::agoractl
