#include "tools/agoractl/line_file.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace agora::agoractl {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string errno_text() { return std::strerror(errno); }

constexpr std::size_t kMaxLineBytes = 64u << 20;

}  // namespace

// ---------------------------------------------------------------------------
// line_writer

struct line_writer::state {
  std::string path, tmp_path;  // tmp_path empty for stdout
  int fd = -1;
  gzFile gz = nullptr;
  std::vector<char> buf;  // plain output is buffered here
  std::uint64_t bytes = 0;
  bool committed = false;

  expected<void, std::string> flush_plain() {
    std::size_t off = 0;
    while (off < buf.size()) {
      const auto n = ::write(fd, buf.data() + off, buf.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return unexpected{"writing " + path + ": " + errno_text()};
      }
      off += static_cast<std::size_t>(n);
    }
    buf.clear();
    return {};
  }

  ~state() {
    if (gz != nullptr) gzclose(gz);
    else if (fd >= 0 && fd != STDOUT_FILENO) ::close(fd);
    if (!committed && !tmp_path.empty()) ::unlink(tmp_path.c_str());
  }
};

line_writer::line_writer(std::unique_ptr<state> s) : s_(std::move(s)) {}
line_writer::line_writer(line_writer&&) noexcept = default;
line_writer& line_writer::operator=(line_writer&&) noexcept = default;
line_writer::~line_writer() = default;

expected<line_writer, std::string> line_writer::open(const std::string& path) {
  auto s = std::make_unique<state>();
  s->path = path;
  if (path == "-") {
    s->fd = STDOUT_FILENO;
  } else {
    s->tmp_path = path + ".partial-" + std::to_string(::getpid());
    s->fd = ::open(s->tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (s->fd < 0) return unexpected{"cannot create " + s->tmp_path + ": " + errno_text()};
  }
  if (ends_with(path, ".gz")) {
    const int fd = path == "-" ? ::dup(STDOUT_FILENO) : s->fd;
    // Level 1: export runs at the rate of the store scan, not of deflate;
    // higher levels gain little on JSON and cost several times the CPU.
    s->gz = gzdopen(fd, "wb1");
    if (s->gz == nullptr) return unexpected{"cannot start gzip on " + path};
    gzbuffer(s->gz, 1u << 20);
  }
  s->buf.reserve(1u << 20);
  return line_writer(std::move(s));
}

expected<void, std::string> line_writer::write(std::string_view bytes) {
  s_->bytes += bytes.size();
  if (s_->gz != nullptr) {
    if (bytes.empty()) return {};
    if (gzwrite(s_->gz, bytes.data(), static_cast<unsigned>(bytes.size())) == 0) {
      int err = 0;
      return unexpected{"writing " + s_->path + ": " + gzerror(s_->gz, &err)};
    }
    return {};
  }
  s_->buf.insert(s_->buf.end(), bytes.begin(), bytes.end());
  if (s_->buf.size() >= (1u << 20)) return s_->flush_plain();
  return {};
}

expected<void, std::string> line_writer::commit() {
  if (s_->gz != nullptr) {
    const int rc = gzclose(s_->gz);  // closes the fd too
    s_->gz = nullptr;
    s_->fd = -1;
    if (rc != Z_OK) return unexpected{"finishing " + s_->path + ": gzip error " + std::to_string(rc)};
    if (!s_->tmp_path.empty()) {
      // gzclose closed the descriptor: sync through a fresh one.
      const int fd = ::open(s_->tmp_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::fsync(fd) != 0) {
        if (fd >= 0) ::close(fd);
        return unexpected{"syncing " + s_->tmp_path + ": " + errno_text()};
      }
      ::close(fd);
    }
  } else {
    if (auto r = s_->flush_plain(); !r) return r;
    if (!s_->tmp_path.empty()) {
      if (::fsync(s_->fd) != 0) return unexpected{"syncing " + s_->tmp_path + ": " + errno_text()};
      ::close(s_->fd);
      s_->fd = -1;
    }
  }
  if (!s_->tmp_path.empty() && ::rename(s_->tmp_path.c_str(), s_->path.c_str()) != 0) {
    return unexpected{"renaming " + s_->tmp_path + " to " + s_->path + ": " + errno_text()};
  }
  s_->committed = true;
  return {};
}

std::uint64_t line_writer::bytes() const { return s_->bytes; }

// ---------------------------------------------------------------------------
// line_reader

struct line_reader::state {
  std::string path;
  gzFile gz = nullptr;
  std::vector<char> buf;
  std::size_t begin = 0, end = 0;  // unread bytes: buf[begin, end)
  bool eof = false;
  std::uint64_t line = 0;

  ~state() {
    if (gz != nullptr) gzclose(gz);
  }

  // Reads more into buf after the unread bytes; false at the end of input.
  expected<bool, std::string> fill() {
    if (eof) return false;
    if (begin > 0) {
      std::memmove(buf.data(), buf.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (end == buf.size()) {
      // A line longer than any event can make (1 MiB of data by default) is a
      // damaged or foreign file: stop instead of growing without bound.
      if (buf.size() >= kMaxLineBytes) {
        return unexpected{path + ": line " + std::to_string(line + 1) + " is longer than " +
                          std::to_string(kMaxLineBytes >> 20) + " MiB: not an agoractl export"};
      }
      buf.resize(buf.size() * 2);
    }
    const int n = gzread(gz, buf.data() + end, static_cast<unsigned>(buf.size() - end));
    if (n < 0) {
      int err = 0;
      return unexpected{path + ": line " + std::to_string(line + 1) + ": " + gzerror(gz, &err)};
    }
    if (n == 0) {
      eof = true;
      return false;
    }
    end += static_cast<std::size_t>(n);
    return true;
  }
};

line_reader::line_reader(std::unique_ptr<state> s) : s_(std::move(s)) {}
line_reader::line_reader(line_reader&&) noexcept = default;
line_reader& line_reader::operator=(line_reader&&) noexcept = default;
line_reader::~line_reader() = default;

expected<line_reader, std::string> line_reader::open(const std::string& path) {
  auto s = std::make_unique<state>();
  s->path = path == "-" ? "standard input" : path;
  const int fd = path == "-" ? ::dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected{"cannot open " + path + ": " + errno_text()};
  // zlib reads plain files as they are ("transparent"), so one reader serves both.
  s->gz = gzdopen(fd, "rb");
  if (s->gz == nullptr) {
    ::close(fd);
    return unexpected{"cannot read " + path};
  }
  gzbuffer(s->gz, 1u << 20);
  s->buf.resize(1u << 20);
  return line_reader(std::move(s));
}

expected<bool, std::string> line_reader::next(std::string_view& line) {
  auto& s = *s_;
  std::size_t scanned = s.begin;
  for (;;) {
    const void* nl = std::memchr(s.buf.data() + scanned, '\n', s.end - scanned);
    if (nl != nullptr) {
      const auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - s.buf.data());
      line = std::string_view(s.buf.data() + s.begin, at - s.begin);
      s.begin = at + 1;
      ++s.line;
      return true;
    }
    const std::size_t have = s.end - s.begin;
    auto more = s.fill();  // moves the unread bytes to the front
    if (!more) return unexpected{std::move(more).error()};
    if (!*more) {
      if (have == 0) return false;
      // A last line without its '\n'.
      line = std::string_view(s.buf.data() + s.begin, s.end - s.begin);
      s.begin = s.end;
      ++s.line;
      return true;
    }
    scanned = s.begin + have;
  }
}

std::uint64_t line_reader::line_number() const { return s_->line; }

}  // namespace agora::agoractl
