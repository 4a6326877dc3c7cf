#include "common/config.hpp"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>
#include <utility>

namespace agora {

namespace {

constexpr std::string_view k_env_prefix = "AGORA_";

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char ascii_upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = ascii_lower(c);
  return r;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// Keys are dotted names of [a-z0-9_-] segments, compared case-insensitively
// (stored lower-case). Returns the normalized key, or empty when invalid.
std::string normalize_key(std::string_view key) {
  std::string k = lower(trim(key));
  if (k.empty() || k.front() == '.' || k.back() == '.') return {};
  char prev = 0;
  for (char c : k) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return {};
    prev = c;
  }
  return k;
}

// `store.path` -> `STORE_PATH` (the part after AGORA_).
std::string env_name_for(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = (c == '.' || c == '-') ? '_' : ascii_upper(c);
  return r;
}

std::string quote_if_needed(std::string_view v) {
  bool needs = v.empty() || is_space(v.front()) || is_space(v.back());
  for (char c : v) {
    if (c == '#' || c == ';' || c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') needs = true;
  }
  if (!needs) return std::string(v);
  std::string r = "\"";
  for (char c : v) {
    switch (c) {
      case '"': r += "\\\""; break;
      case '\\': r += "\\\\"; break;
      case '\n': r += "\\n"; break;
      case '\r': r += "\\r"; break;
      case '\t': r += "\\t"; break;
      default: r += c;
    }
  }
  r += '"';
  return r;
}

struct parsed_value {
  std::string value;
  const char* error = nullptr;
};

// The value part of `key = value` (everything after '='). Quoted values take
// the escapes \" \\ \n \r \t (any other backslash is kept, so Windows-style
// paths survive); an unquoted value ends at a '#' or ';' that starts the line's
// value or follows whitespace, so `url = http://h/#frag` keeps its '#'.
parsed_value parse_value(std::string_view rest) {
  parsed_value out;
  rest = trim(rest);
  if (!rest.empty() && rest.front() == '"') {
    std::size_t i = 1;
    bool closed = false;
    for (; i < rest.size(); ++i) {
      const char c = rest[i];
      if (c == '"') {
        closed = true;
        ++i;
        break;
      }
      if (c == '\\' && i + 1 < rest.size()) {
        const char n = rest[i + 1];
        switch (n) {
          case '"': out.value += '"'; ++i; continue;
          case '\\': out.value += '\\'; ++i; continue;
          case 'n': out.value += '\n'; ++i; continue;
          case 'r': out.value += '\r'; ++i; continue;
          case 't': out.value += '\t'; ++i; continue;
          default: break;
        }
      }
      out.value += c;
    }
    if (!closed) {
      out.error = "unterminated quoted value";
      return out;
    }
    const std::string_view tail = trim(rest.substr(i));
    if (!tail.empty() && tail.front() != '#' && tail.front() != ';') {
      out.error = "unexpected text after quoted value";
    }
    return out;
  }
  std::size_t end = rest.size();
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if ((rest[i] == '#' || rest[i] == ';') && (i == 0 || is_space(rest[i - 1]))) {
      end = i;
      break;
    }
  }
  out.value = std::string(trim(rest.substr(0, end)));
  return out;
}

std::string line_error(std::string_view origin, std::size_t line, std::string_view what) {
  std::string m(origin);
  m += ':';
  m += std::to_string(line);
  m += ": ";
  m += what;
  return m;
}

// Unsigned number followed by an optional unit (spaces allowed between them).
// Returns false when there are no digits or the number does not fit.
bool split_number_unit(std::string_view s, std::uint64_t* n, std::string* unit) {
  s = trim(s);
  const char* first = s.data();
  const char* last = s.data() + s.size();
  const auto r = std::from_chars(first, last, *n);
  if (r.ec != std::errc() || r.ptr == first) return false;
  *unit = lower(trim(std::string_view(r.ptr, static_cast<std::size_t>(last - r.ptr))));
  return true;
}

bool parse_int(std::string_view s, std::int64_t* out) {
  s = trim(s);
  if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

bool parse_bool(std::string_view s, bool* out) {
  s = trim(s);
  for (std::string_view t : {"true", "yes", "on", "1"}) {
    if (iequals(s, t)) {
      *out = true;
      return true;
    }
  }
  for (std::string_view f : {"false", "no", "off", "0"}) {
    if (iequals(s, f)) {
      *out = false;
      return true;
    }
  }
  return false;
}

bool parse_duration_ms(std::string_view s, std::int64_t* out) {
  std::uint64_t n = 0;
  std::string unit;
  if (!split_number_unit(s, &n, &unit)) return false;
  std::uint64_t mult;
  if (unit.empty() || unit == "ms") {
    mult = 1;
  } else if (unit == "s") {
    mult = 1000;
  } else if (unit == "m" || unit == "min") {
    mult = 60'000;
  } else if (unit == "h") {
    mult = 3'600'000;
  } else if (unit == "d") {
    mult = 86'400'000;
  } else {
    return false;
  }
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (n > max / mult) return false;
  *out = static_cast<std::int64_t>(n * mult);
  return true;
}

bool parse_bytes(std::string_view s, std::uint64_t* out) {
  std::uint64_t n = 0;
  std::string unit;
  if (!split_number_unit(s, &n, &unit)) return false;
  int shift;
  if (unit.empty() || unit == "b") {
    shift = 0;
  } else if (unit == "k" || unit == "kb" || unit == "kib") {
    shift = 10;
  } else if (unit == "m" || unit == "mb" || unit == "mib") {
    shift = 20;
  } else if (unit == "g" || unit == "gb" || unit == "gib") {
    shift = 30;
  } else if (unit == "t" || unit == "tb" || unit == "tib") {
    shift = 40;
  } else {
    return false;
  }
  if (n > (std::numeric_limits<std::uint64_t>::max() >> shift)) return false;
  *out = n << shift;
  return true;
}

constexpr std::string_view k_redacted = "<redacted>";

bool contains(std::string_view hay, std::string_view needle) noexcept {
  return hay.find(needle) != std::string_view::npos;
}

// Calls fn(name, value) for each `name=value` of a ',' separated list (a
// part without '=' has an empty value), names trimmed and lower-cased.
template <class F>
void for_each_property(std::string_view list, F&& fn) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view part = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    const std::size_t eq = part.find('=');
    fn(lower(trim(part.substr(0, eq))), eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
  }
}

bool has_secret_property(std::string_view list) {
  bool found = false;
  for_each_property(list, [&](const std::string& name, std::string_view) {
    found = found || looks_like_secret_name(name);
  });
  return found;
}

// What print() shows of a value.
std::string printable(const std::string& value, config_secrecy secrecy) {
  switch (secrecy) {
    case config_secrecy::none: return value;
    case config_secrecy::secret: return value.empty() ? value : std::string(k_redacted);
    case config_secrecy::properties: {
      std::string out;
      for_each_property(value, [&](const std::string& name, std::string_view v) {
        if (!out.empty()) out += ',';
        out += name;
        out += '=';
        out += looks_like_secret_name(name) ? k_redacted : v;
      });
      return out;
    }
  }
  return std::string(k_redacted);
}

}  // namespace

bool looks_like_secret_name(std::string_view name) noexcept {
  const std::string n = lower(name);
  for (std::string_view w : {"password", "secret", "token", "credential", "jaas", "key"}) {
    if (contains(n, w)) return true;
  }
  return false;
}

const char* to_string(config_source s) noexcept {
  switch (s) {
    case config_source::default_value: return "default";
    case config_source::file: return "file";
    case config_source::environment: return "env";
    case config_source::command_line: return "flag";
  }
  return "?";
}

std::optional<std::string> config::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return "cannot read " + path + ": " + std::error_code(err, std::generic_category()).message();
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return "cannot read " + path + ": read error";
  return load_text(buf.str(), path);
}

std::optional<std::string> config::load_text(std::string_view text, std::string_view origin) {
  // Parse everything first and apply only if the whole text is valid: a file
  // with a typo must not leave half of its settings in effect.
  std::vector<std::pair<std::string, std::string>> parsed;
  std::string section;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
  std::size_t line_no = 0;
  while (!text.empty() || line_no == 0) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    line = trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      const std::size_t close = line.find(']');
      if (close == std::string_view::npos) return line_error(origin, line_no, "missing ']' in section header");
      const std::string_view after = trim(line.substr(close + 1));
      if (!after.empty() && after.front() != '#' && after.front() != ';') {
        return line_error(origin, line_no, "unexpected text after section header");
      }
      const std::string_view name = line.substr(1, close - 1);
      section = normalize_key(name);
      if (section.empty()) {
        return line_error(origin, line_no, "invalid section name '" + std::string(trim(name)) + "'");
      }
      continue;
    }

    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return line_error(origin, line_no, "expected 'key = value', '[section]' or a comment");
    }
    const std::string_view raw_key = trim(line.substr(0, eq));
    std::string key = normalize_key(raw_key);
    if (key.empty()) return line_error(origin, line_no, "invalid key '" + std::string(raw_key) + "'");
    parsed_value v = parse_value(line.substr(eq + 1));
    if (v.error != nullptr) return line_error(origin, line_no, v.error);
    if (!section.empty()) key = section + "." + key;
    parsed.emplace_back(std::move(key), std::move(v.value));
  }

  for (auto& [k, v] : parsed) set(std::move(k), std::move(v), config_source::file);
  return std::nullopt;
}

void config::load_environment(const char* const* envp) {
  if (envp == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (; *envp != nullptr; ++envp) {
    const std::string_view var(*envp);
    const std::size_t eq = var.find('=');
    if (eq == std::string_view::npos || eq <= k_env_prefix.size()) continue;
    const std::string_view name = var.substr(0, eq);
    if (!iequals(name.substr(0, k_env_prefix.size()), k_env_prefix)) continue;
    env_[env_name_for(name.substr(k_env_prefix.size()))] = std::string(var.substr(eq + 1));
  }
}

std::optional<std::string> config::load_args(int argc, const char* const* argv, std::vector<std::string>* rest) {
  // Collected first and applied at the end, like load_text: an error applies nothing.
  std::vector<std::pair<std::string, std::string>> parsed;
  std::vector<std::string> others;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i] != nullptr ? std::string_view(argv[i]) : std::string_view();
    if (arg == "--") {
      // Everything after "--" belongs to the program, untouched.
      for (; i < argc; ++i) others.emplace_back(argv[i] != nullptr ? argv[i] : "");
      break;
    }
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      others.emplace_back(arg);
      continue;
    }
    const std::string_view body = arg.substr(2);
    const std::size_t eq = body.find('=');
    const std::string_view name = body.substr(0, eq);

    if (name == "set") {
      std::string_view assignment;
      if (eq != std::string_view::npos) {
        assignment = body.substr(eq + 1);
      } else if (i + 1 < argc && argv[i + 1] != nullptr) {
        assignment = argv[++i];
      } else {
        return std::string("--set needs an argument: --set key=value");
      }
      const std::size_t aeq = assignment.find('=');
      if (aeq == std::string_view::npos) {
        return "--set expects key=value, got '" + std::string(assignment) + "'";
      }
      std::string key = normalize_key(assignment.substr(0, aeq));
      if (key.empty()) return "--set: invalid key '" + std::string(assignment.substr(0, aeq)) + "'";
      parsed.emplace_back(std::move(key), std::string(assignment.substr(aeq + 1)));
      continue;
    }

    // Config keys always contain a dot; --config, --help and the like do not
    // and are left to the program.
    if (name.find('.') == std::string_view::npos) {
      others.emplace_back(arg);
      continue;
    }
    std::string key = normalize_key(name);
    if (key.empty()) return "invalid configuration flag '" + std::string(arg) + "'";
    if (eq != std::string_view::npos) {
      parsed.emplace_back(std::move(key), std::string(body.substr(eq + 1)));
      continue;
    }
    // `--a.b value`. A following `--x` is another flag, not a value (use
    // --a.b=--x for that).
    if (i + 1 >= argc || argv[i + 1] == nullptr ||
        std::string_view(argv[i + 1]).substr(0, 2) == "--") {
      return "flag --" + std::string(name) + " has no value (use --" + std::string(name) + "=value)";
    }
    parsed.emplace_back(std::move(key), std::string(argv[++i]));
  }

  for (auto& [k, v] : parsed) set(std::move(k), std::move(v), config_source::command_line);
  if (rest != nullptr) {
    for (auto& o : others) rest->push_back(std::move(o));
  }
  return std::nullopt;
}

void config::set(std::string key, std::string value, config_source source) {
  std::string k = normalize_key(key);
  if (k.empty()) k = lower(key);  // keep odd keys visible (unknown_keys) rather than drop them
  std::lock_guard<std::mutex> lock(mu_);
  entry& e = entries_[k];
  // Layers apply in any call order: a lower layer never overrides a higher one
  // (e.g. flags parsed before the file named by --config is loaded).
  if (source < e.source) return;
  e.value = std::move(value);
  e.source = source;
}

std::optional<std::string> config::lookup(std::string_view key, std::string_view def, std::string_view help,
                                          config_source* source) {
  // Caller holds mu_.
  std::string k = normalize_key(key);
  if (k.empty()) k = lower(key);
  entry& e = entries_[k];
  e.read = true;
  if (!help.empty()) e.help = std::string(help);
  if (e.source < config_source::environment) {
    const auto env = env_.find(env_name_for(k));
    if (env != env_.end()) {
      e.value = env->second;
      e.source = config_source::environment;
    }
  }
  *source = e.source;
  if (e.source == config_source::default_value) {
    e.value = std::string(def);  // what print() shows
    return std::nullopt;
  }
  return e.value;
}

namespace {

void add_error(std::vector<std::string>& errors, std::string_view key, const std::string& value,
               config_source source, std::string_view expected) {
  std::string m(key);
  m += ": invalid value '";
  m += value;
  m += "' (from ";
  m += to_string(source);
  m += "), expected ";
  m += expected;
  for (const auto& e : errors) {
    if (e == m) return;  // the same key read twice reports once
  }
  errors.push_back(std::move(m));
}

}  // namespace

std::string config::get_string(std::string_view key, std::string_view def, std::string_view help,
                               config_secrecy secrecy) {
  std::lock_guard<std::mutex> lock(mu_);
  config_source src = config_source::default_value;
  auto v = lookup(key, def, help, &src);
  if (secrecy == config_secrecy::none) return v ? std::move(*v) : std::string(def);
  std::string k = normalize_key(key);
  if (k.empty()) k = lower(key);
  entries_[k].secrecy = secrecy;
  if (v && src == config_source::command_line &&
      (secrecy == config_secrecy::secret || has_secret_property(*v))) {
    std::string m = k;
    m += ": a secret must not be given on the command line, where every local user can read it "
         "(/proc/PID/cmdline, ps); set it in the environment (AGORA_";
    m += env_name_for(k);
    m += ") or in a file readable only by agorad's user (the config file, or the key's _file variant where "
         "there is one)";
    bool seen = false;
    for (const auto& e : errors_) seen = seen || e == m;
    if (!seen) errors_.push_back(std::move(m));
  }
  return v ? std::move(*v) : std::string(def);
}

void config::report_error(std::string message) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : errors_) {
    if (e == message) return;
  }
  errors_.push_back(std::move(message));
}

std::int64_t config::get_int(std::string_view key, std::int64_t def, std::string_view help) {
  std::lock_guard<std::mutex> lock(mu_);
  config_source src = config_source::default_value;
  const auto v = lookup(key, std::to_string(def), help, &src);
  if (!v) return def;
  std::int64_t n = 0;
  if (parse_int(*v, &n)) return n;
  add_error(errors_, key, *v, src, "a 64-bit integer");
  return def;
}

bool config::get_bool(std::string_view key, bool def, std::string_view help) {
  std::lock_guard<std::mutex> lock(mu_);
  config_source src = config_source::default_value;
  const auto v = lookup(key, def ? "true" : "false", help, &src);
  if (!v) return def;
  bool b = false;
  if (parse_bool(*v, &b)) return b;
  add_error(errors_, key, *v, src, "true/false, yes/no, on/off or 1/0");
  return def;
}

std::int64_t config::get_duration_ms(std::string_view key, std::int64_t def_ms, std::string_view help) {
  std::lock_guard<std::mutex> lock(mu_);
  config_source src = config_source::default_value;
  const auto v = lookup(key, std::to_string(def_ms) + "ms", help, &src);
  if (!v) return def_ms;
  std::int64_t ms = 0;
  if (parse_duration_ms(*v, &ms)) return ms;
  add_error(errors_, key, *v, src, "a duration such as 500ms, 30s, 5m or 2h");
  return def_ms;
}

std::uint64_t config::get_bytes(std::string_view key, std::uint64_t def, std::string_view help) {
  std::lock_guard<std::mutex> lock(mu_);
  config_source src = config_source::default_value;
  const auto v = lookup(key, std::to_string(def), help, &src);
  if (!v) return def;
  std::uint64_t n = 0;
  if (parse_bytes(*v, &n)) return n;
  add_error(errors_, key, *v, src, "a size such as 512, 64KiB, 16MiB or 2GiB");
  return def;
}

std::vector<std::string> config::secret_keys_from(config_source source) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, e] : entries_) {
    if (e.source != source || e.value.empty()) continue;
    if (e.secrecy == config_secrecy::secret ||
        (e.secrecy == config_secrecy::properties && has_secret_property(e.value))) {
      out.push_back(k);
    }
  }
  return out;
}

std::vector<std::string> config::unknown_keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, e] : entries_) {
    if (!e.read && e.source != config_source::default_value) out.push_back(k);
  }
  return out;
}

std::vector<std::string> config::errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

std::string config::print() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [k, e] : entries_) {
    if (!e.read) continue;
    out += k;
    out += " = ";
    out += quote_if_needed(printable(e.value, e.secrecy));
    out += "  # ";
    out += to_string(e.source);
    if (!e.help.empty()) {
      out += " - ";
      for (char c : e.help) out += (c == '\n' || c == '\r') ? ' ' : c;
    }
    out += '\n';
  }
  return out;
}

std::string find_config_file(std::string given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("AGORA_CONFIG"); env && *env) return env;
  if (std::filesystem::exists("agora.conf")) return "agora.conf";
  return {};
}

}  // namespace agora
