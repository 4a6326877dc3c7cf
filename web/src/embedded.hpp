#pragma once
// Private: the files of web/site as the build embedded them (the generated
// embedded_site.cpp defines the table; web/embed_site.cmake writes it).

#include <cstddef>

namespace agora::web::detail {

/// One file of web/site.
struct embedded_file {
  /// Its path under web/site, e.g. "index.html", "assets/app.css".
  const char* name;
  const char* content_type;
  /// A strong ETag, quoted: a hash of the content, so it changes exactly when the bytes do.
  const char* etag;
  /// The bytes (followed by a NUL that is not part of them).
  const unsigned char* data;
  std::size_t size;
};

extern const embedded_file embedded_files[];
extern const std::size_t embedded_file_count;

}  // namespace agora::web::detail
