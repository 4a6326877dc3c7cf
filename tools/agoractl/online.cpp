#include "tools/agoractl/online.hpp"

#include <CLI/CLI.hpp>
#include <simdjson.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "common/json_writer.hpp"
#include "tools/agoractl/node_client.hpp"
#include "tools/agoractl/password_input.hpp"

namespace agora::agoractl {

namespace {

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// "title: detail" of a Problem Details answer, or what there is of it.
std::string problem_text(const node_answer& a) {
  simdjson::dom::parser p;
  simdjson::dom::element root;
  std::string_view title, detail;
  if (!p.parse(a.body).get(root) && root.is_object()) {
    // Either may be missing: then it is left out of the message.
    if (root["title"].get(title)) title = {};
    if (root["detail"].get(detail)) detail = {};
  }
  std::string out = title.empty() ? "HTTP " + std::to_string(a.status) : std::string(title);
  if (!detail.empty()) out += ": " + std::string(detail);
  // A 400's field errors say what to fix.
  simdjson::dom::array errors;
  if (!detail.empty() && !root["errors"].get(errors)) {
    for (auto e : errors) {
      std::string_view field, message;
      if (e["field"].get(field) || e["message"].get(message)) continue;
      out += "; " + std::string(field) + ": " + std::string(message);
    }
  }
  if (!a.retry_after.empty()) out += " (retry after " + a.retry_after + " s)";
  return out;
}

expected<std::string, online_error> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unexpected{online_error{"--token-file " + path + ": cannot read it", exit_usage}};
  std::string token;
  std::getline(in, token);
  token = trimmed(token);
  if (token.empty()) return unexpected{online_error{"--token-file " + path + ": it holds no token", exit_usage}};
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    std::fprintf(stderr, "agoractl: warning: %s holds a token and others may read it: chmod 600 %s\n", path.c_str(),
                 path.c_str());
  }
  return token;
}

}  // namespace

void add_online_options(CLI::App* c, online_options& o, const std::string& url_help, bool url_from_env) {
  auto* url = c->add_option("--url", o.url, url_help + " (http://HOST:PORT)");
  if (url_from_env) url->envname("AGORA_URL");
  c->add_option("--token-file", o.token_file,
                "a file holding an admin's token (else $AGORA_TOKEN, or --login); never the token itself");
  c->add_option("--login", o.login,
                "log in as this admin e-mail instead: the password is prompted for, or read from standard input");
  c->add_option("--timeout-ms", o.timeout_ms, "how long a connect, send or answer may take")
      ->check(CLI::Range(100, 3'600'000))
      ->capture_default_str();
}

int fail(const online_error& e) { return fail(e.message, e.code); }

admin_link::admin_link(std::unique_ptr<node_client> client, std::string token)
    : client_(std::move(client)), token_(std::move(token)) {}
admin_link::admin_link(admin_link&&) noexcept = default;
admin_link& admin_link::operator=(admin_link&&) noexcept = default;
admin_link::~admin_link() = default;

const std::string& admin_link::url() const { return client_->url().text; }

expected<admin_link, online_error> admin_link::open(const online_options& o) {
  if (o.url.empty()) return unexpected{online_error{"no node given: --url http://HOST:PORT or $AGORA_URL", exit_usage}};
  auto url = parse_node_url(o.url);
  if (!url) return unexpected{online_error{url.error(), exit_usage}};
  auto client = std::make_unique<node_client>(std::move(*url), std::chrono::milliseconds(o.timeout_ms));
  if (!o.token_file.empty()) {
    auto token = read_token_file(o.token_file);
    if (!token) return unexpected{std::move(token).error()};
    return admin_link(std::move(client), std::move(*token));
  }
  if (!o.login.empty()) {
    auto password = read_password(/*confirm=*/false);
    if (!password) return unexpected{online_error{password.error(), exit_usage}};
    json_writer w;
    w.begin_object().key("email").value(o.login).key("password").value(*password).end_object();
    auto a = client->request("POST", "/api/auth/login", std::move(w).take());
    if (!a) return unexpected{online_error{a.error()}};
    if (a->status == 401) return unexpected{online_error{"the node refused the login: wrong e-mail or password"}};
    if (a->status != 200) return unexpected{online_error{"login: " + problem_text(*a)}};
    simdjson::dom::parser p;
    std::string_view token;
    simdjson::dom::element root;
    if (p.parse(a->body).get(root) || root["token"].get(token) || token.empty()) {
      return unexpected{online_error{"login: the node's answer has no token"}};
    }
    return admin_link(std::move(client), std::string(token));
  }
  if (const char* env = std::getenv("AGORA_TOKEN"); env != nullptr && *env != '\0') {
    return admin_link(std::move(client), trimmed(env));
  }
  return unexpected{online_error{
      "no admin token: --token-file FILE, $AGORA_TOKEN, or --login EMAIL (the password from a prompt or stdin)",
      exit_usage}};
}

expected<std::string, online_error> admin_link::call(std::string_view method, std::string_view target,
                                                     const std::string& body) {
  auto a = client_->request(method, target, body, token_);
  if (!a) return unexpected{online_error{a.error()}};
  if (a->status >= 200 && a->status < 300) return std::move(a->body);
  if (a->status == 401) return unexpected{online_error{"the node refused the token: log in again"}};
  if (a->status == 403) {
    return unexpected{online_error{"the token's account is not an admin on the node at " + url() + ": " +
                                   problem_text(*a)}};
  }
  return unexpected{online_error{problem_text(*a)}};
}

namespace {

online_error bad_answer(const std::string& what) { return online_error{"the node's answer to " + what + " is not as expected"}; }

}  // namespace

expected<std::vector<node_model_status>, online_error> fetch_status(admin_link& link) {
  auto body = link.call("GET", "/api/admin/projections");
  if (!body) return unexpected{std::move(body).error()};
  simdjson::dom::parser p;
  simdjson::dom::array items;
  if (p.parse(*body)["items"].get(items)) return unexpected{bad_answer("GET /api/admin/projections")};
  std::vector<node_model_status> out;
  for (auto it : items) {
    node_model_status s;
    std::string_view name, error;
    if (it["name"].get(name) || it["position"].get(s.position) || it["lag"].get(s.lag) ||
        it["events_applied"].get(s.events_applied) || it["rebuilding"].get(s.rebuilding) ||
        it["last_error"].get(error)) {
      return unexpected{bad_answer("GET /api/admin/projections")};
    }
    s.name = std::string(name);
    s.last_error = std::string(error);
    // Older nodes do not report it: then 0.
    if (it["rebuild_position"].get(s.rebuild_position)) s.rebuild_position = 0;
    out.push_back(std::move(s));
  }
  return out;
}

expected<std::vector<node_checksum>, online_error> fetch_checksums(admin_link& link,
                                                                   const std::vector<std::string>& names) {
  const bool one = names.size() == 1;
  const std::string target = one ? "/api/admin/projections/" + names[0] + "/checksum" : "/api/admin/projections/checksums";
  auto body = link.call("GET", target);
  if (!body) return unexpected{std::move(body).error()};
  simdjson::dom::parser p;
  simdjson::dom::element root;
  if (p.parse(*body).get(root)) return unexpected{bad_answer("GET " + target)};
  std::vector<simdjson::dom::element> items;
  if (one) {
    items.push_back(root);
  } else {
    simdjson::dom::array array;
    if (root["items"].get(array)) return unexpected{bad_answer("GET " + target)};
    for (auto it : array) items.push_back(it);
  }
  std::vector<node_checksum> out;
  for (auto it : items) {
    node_checksum c;
    std::string_view name, sum;
    if (it["name"].get(name) || it["position"].get(c.position) || it["checksum"].get(sum) || it["count"].get(c.count)) {
      return unexpected{bad_answer("GET " + target)};
    }
    c.name = std::string(name);
    c.checksum = std::string(sum);
    bool wanted = names.empty();
    for (const auto& n : names) wanted = wanted || n == c.name;
    if (wanted) out.push_back(std::move(c));
  }
  return out;
}

expected<node_dry_run, online_error> fetch_dry_run(admin_link& link, const std::string& name) {
  const std::string target = "/api/admin/projections/" + name + "/dry-run";
  auto body = link.call("GET", target);
  if (!body) return unexpected{std::move(body).error()};
  simdjson::dom::parser p;
  simdjson::dom::element root;
  if (p.parse(*body).get(root)) return unexpected{bad_answer("GET " + target)};
  node_dry_run d;
  std::string_view n, state;
  simdjson::dom::array first;
  if (root["name"].get(n) || root["state"].get(state) || root["position"].get(d.position) ||
      root["target"].get(d.target) || root["live_entries"].get(d.live_entries) ||
      root["shadow_entries"].get(d.shadow_entries) || root["only_live"].get(d.only_live) ||
      root["only_shadow"].get(d.only_shadow) || root["differing"].get(d.differing) ||
      root["first_differences"].get(first)) {
    return unexpected{bad_answer("GET " + target)};
  }
  d.name = std::string(n);
  d.state = std::string(state);
  if (root["equal"].get(d.equal)) d.equal = false;  // only when done
  std::string_view error;
  if (!root["error"].get(error)) d.error = std::string(error);
  for (auto it : first) {
    std::string_view key, kind;
    if (it["key"].get(key) || it["kind"].get(kind)) return unexpected{bad_answer("GET " + target)};
    d.first.emplace_back(std::string(kind), std::string(key));
  }
  return d;
}

}  // namespace agora::agoractl
