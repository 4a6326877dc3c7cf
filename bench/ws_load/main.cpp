// agora-ws-load: the WebSocket fan-out load generator of bench/run_ws_bench.sh.
//
// Connects N clients to one server (agorad, a Socket.IO 4 server or a bare ws
// server), measures the server's RSS per idle connection, then steps a fixed
// broadcast rate up (HTTP POSTs to the server) until delivery falls behind,
// printing for each step deliveries/s, delivery latency percentiles, losses and
// the CPU of the server and of this generator. The last line is a `summary`
// with key=value fields for the script's table.
#include "broadcaster.hpp"
#include "client_pool.hpp"
#include "latency_histogram.hpp"
#include "process_sample.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace agora::bench;
using steady = std::chrono::steady_clock;

constexpr const char* usage = R"(usage: agora-ws-load --dialect=agora|ws|socketio --port=P [options]
  --host=127.0.0.1        server address (loopback)
  --clients=1000          WebSocket clients to connect
  --threads=1             epoll threads of the clients
  --sources=A,B,...       local source addresses, round robin (e.g. 127.0.0.1,127.0.0.2)
  --path=/ws              WebSocket path (default by dialect: agora /ws, ws /, socketio /socket.io/?EIO=4&transport=websocket)
  --subprotocol=S         Sec-WebSocket-Protocol to offer (default agora.v1 for agora)
  --post-path=P           broadcast route (default /api/admin/notifications with --token, else /broadcast)
  --token=JWT             admin bearer token for agorad's broadcast route
  --post-connections=8    keep-alive connections posting broadcasts
  --server-pid=PID        the server, for RSS and CPU from /proc
  --rates=1,2,5,...       broadcasts per second, one step each, until delivery falls behind
  --step-seconds=5        length of each step
  --drain-seconds=5       wait after a step for its last deliveries
  --max-p99-ms=1000       a step whose p99 is beyond this has fallen behind
  --connect-timeout=120   seconds for every client to be connected and subscribed
  --idle-seconds=3        idle wait with every client connected before RSS is read
  --label=NAME            name of the server in the output
)";

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);)
    if (!part.empty()) out.push_back(part);
  return out;
}

double seconds_since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

void raise_fd_limit() {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
}

struct step_report {
  double rate = 0;
  double deliveries_per_s = 0;
  std::uint64_t p50 = 0, p99 = 0, max = 0;
  std::int64_t lost = 0;
  double server_us = 0;     // server CPU per delivery
  double generator_cpu = 0; // % of one core
  bool ok = false;
};

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return 0;
    }
    const auto eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) {
      std::cerr << "bad argument " << a << " (use --key=value)\n" << usage;
      return 2;
    }
    args[a.substr(2, eq - 2)] = a.substr(eq + 1);
  }
  auto get = [&](const std::string& k, const std::string& d) { return args.count(k) != 0 ? args[k] : d; };
  const std::string dialect_name = get("dialect", "");
  pool_options po;
  if (dialect_name == "agora") {
    po.kind = dialect::agora;
    po.path = get("path", "/ws");
    po.subprotocol = get("subprotocol", "agora.v1");
  } else if (dialect_name == "ws") {
    po.kind = dialect::ws;
    po.path = get("path", "/");
    po.subprotocol = get("subprotocol", "");
  } else if (dialect_name == "socketio") {
    po.kind = dialect::socketio;
    po.path = get("path", "/socket.io/?EIO=4&transport=websocket");
    po.subprotocol = get("subprotocol", "");
  } else {
    std::cerr << "--dialect must be agora, ws or socketio\n" << usage;
    return 2;
  }
  po.host = get("host", "127.0.0.1");
  po.port = static_cast<std::uint16_t>(std::stoul(get("port", "0")));
  po.clients = std::stoul(get("clients", "1000"));
  po.threads = std::stoul(get("threads", "1"));
  po.sources = split(get("sources", ""), ',');
  if (po.port == 0 || po.clients == 0) {
    std::cerr << "--port and --clients are required\n" << usage;
    return 2;
  }
  broadcaster_options bo;
  bo.host = po.host;
  bo.port = po.port;
  bo.bearer_token = get("token", "");
  bo.path = get("post-path", bo.bearer_token.empty() ? "/broadcast" : "/api/admin/notifications");
  bo.connections = std::stoul(get("post-connections", "8"));
  const auto pid = static_cast<pid_t>(std::stol(get("server-pid", "0")));
  std::vector<double> rates;
  for (const auto& r : split(get("rates", "1,2,5,10,20,50,100,200,500,1000,2000,5000"), ','))
    rates.push_back(std::stod(r));
  if (rates.size() > max_steps) rates.resize(max_steps);
  const auto step_len = std::chrono::milliseconds(static_cast<long>(std::stod(get("step-seconds", "5")) * 1000));
  const double drain_s = std::stod(get("drain-seconds", "5"));
  const double max_p99_ms = std::stod(get("max-p99-ms", "1000"));
  const double connect_timeout = std::stod(get("connect-timeout", "120"));
  const double idle_s = std::stod(get("idle-seconds", "3"));
  const std::string label = get("label", dialect_name);

  raise_fd_limit();
  std::printf("== %s: %zu clients, dialect %s, %zu thread(s), server pid %d\n", label.c_str(), po.clients,
              dialect_name.c_str(), po.threads, static_cast<int>(pid));
  const auto before = process_sample::of(pid);
  client_pool pool(po);
  const auto t_connect = steady::now();
  const double gen_cpu_connect0 = process_sample::self_cpu_seconds();
  pool.start();
  while (pool.ready() + pool.failed() + pool.dropped() < po.clients && seconds_since(t_connect) < connect_timeout)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double connect_s = seconds_since(t_connect);
  std::printf("connected: %zu ready, %zu failed in %.2f s (%.0f handshakes/s, generator CPU %.2f s)%s%s\n",
              pool.ready(), pool.failed(), connect_s, static_cast<double>(pool.ready()) / connect_s,
              process_sample::self_cpu_seconds() - gen_cpu_connect0, pool.first_error().empty() ? "" : "; first error: ",
              pool.first_error().c_str());
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(idle_s * 1000)));
  const auto idle = process_sample::of(pid);
  const std::size_t held_idle = pool.ready();
  const double rss_per_conn =
      held_idle == 0 ? 0 : (static_cast<double>(idle.rss_kib) - static_cast<double>(before.rss_kib)) * 1024.0 / static_cast<double>(held_idle);
  std::printf("idle: server RSS %llu KiB before, %llu KiB with %zu idle clients: %.0f B per connection; held %zu/%zu\n",
              static_cast<unsigned long long>(before.rss_kib), static_cast<unsigned long long>(idle.rss_kib), held_idle,
              rss_per_conn, held_idle, po.clients);

  broadcaster caster(bo);
  std::vector<step_report> reports;
  double gen_ceiling = 0;  // deliveries/s this generator could take on one core, from its busiest step
  // srv_us/d and gen_us/d: CPU time per delivery of the server and of this
  // generator (1e6 / gen_us/d is the generator's ceiling on one core).
  std::printf("%8s %8s %10s %12s %12s %9s %9s %9s %8s %6s %9s %9s %8s %8s %8s %8s  %s\n", "rate/s", "posts", "post_p99",
              "expected/s", "deliveries/s", "p50_ms", "p99_ms", "max_ms", "lost", "reord", "srv_cpu%", "gen_cpu%",
              "srv_us/d", "gen_us/d", "clients", "dropped", "verdict");
  for (std::size_t step = 0; step < rates.size(); ++step) {
    const double rate = rates[step];
    const std::size_t clients_at_start = pool.ready();
    const auto d0 = pool.delivered_total();
    const auto s0 = process_sample::of(pid);
    const double g0 = process_sample::self_cpu_seconds();
    const auto w0 = steady::now();
    const post_result posts = caster.run_step(step, rate, step_len);
    const double window = seconds_since(w0);
    const auto d1 = pool.delivered_total();  // with s1 and g1: CPU per delivery within the window
    const auto s1 = process_sample::of(pid);
    const double g1 = process_sample::self_cpu_seconds();
    const std::uint64_t expected = posts.accepted * clients_at_start;
    const auto t_drain = steady::now();
    while (pool.delivered_in_step(step) < expected && seconds_since(t_drain) < drain_s)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto got = pool.delivered_in_step(step);
    std::array<std::uint64_t, latency_histogram::bucket_count> lat{};
    std::uint64_t max_us = 0;
    pool.step_latencies(step, lat, max_us);
    step_report r;
    r.rate = rate;
    r.p50 = latency_histogram::quantile(lat, 0.50);
    // The step's receipts over the time they took: from the first POST to the
    // last POST's slot (window - 1/rate) plus the p99 latency, and at least the
    // window. A server that keeps up scores rate x clients (less (p99 - 1/rate)
    // / window); one that does not finishes late, and scores what it managed.
    // (Receipts counted within the window alone miss p50 / window of a server
    // that keeps up: 2-5% at 10,000 clients.)
    const double took = std::max(window, window - 1.0 / rate + static_cast<double>(r.p99) / 1e6);
    r.deliveries_per_s = static_cast<double>(got) / took;
    r.p99 = latency_histogram::quantile(lat, 0.99);
    r.max = max_us;
    r.lost = static_cast<std::int64_t>(expected) - static_cast<std::int64_t>(got);
    const double expected_per_s = rate * static_cast<double>(clients_at_start);
    r.ok = posts.failed == 0 && r.lost == 0 && r.deliveries_per_s >= 0.95 * expected_per_s &&
           static_cast<double>(r.p99) <= max_p99_ms * 1000.0;
    std::string verdict = r.ok ? "ok" : "BEHIND";
    if (posts.failed != 0) verdict += " (POST failed " + std::to_string(posts.failed) + ": " + posts.first_error + ")";
    if (posts.late != 0) verdict += " (" + std::to_string(posts.late) + " POSTs late)";
    const double in_window = static_cast<double>(d1 - d0);
    const double srv_us = in_window > 0 ? 1e6 * (s1.cpu_seconds - s0.cpu_seconds) / in_window : 0;
    const double gen_us = in_window > 0 ? 1e6 * (g1 - g0) / in_window : 0;
    r.server_us = srv_us;
    r.generator_cpu = 100.0 * (g1 - g0) / window;
    if (r.deliveries_per_s > 1000 && gen_us > 0) gen_ceiling = std::max(gen_ceiling, 1e6 / gen_us);
    std::printf("%8.0f %8llu %8.1fms %12.0f %12.0f %9.2f %9.2f %9.2f %8lld %6llu %9.0f %9.0f %8.2f %8.2f %8zu %8zu  %s\n", rate,
                static_cast<unsigned long long>(posts.sent),
                static_cast<double>(latency_histogram::quantile(posts.answer_micros, 0.99)) / 1000.0, expected_per_s,
                r.deliveries_per_s, static_cast<double>(r.p50) / 1000.0, static_cast<double>(r.p99) / 1000.0,
                static_cast<double>(r.max) / 1000.0, static_cast<long long>(r.lost),
                static_cast<unsigned long long>(pool.reordered()), 100.0 * (s1.cpu_seconds - s0.cpu_seconds) / window,
                100.0 * (g1 - g0) / window, srv_us, gen_us, pool.ready(), pool.dropped(), verdict.c_str());
    // The same step for the script, key=value.
    std::printf("step server=%s clients=%zu rate=%.0f deliveries_per_s=%.0f p50_ms=%.2f p99_ms=%.2f lost=%lld ok=%d\n",
                label.c_str(), po.clients, rate, r.deliveries_per_s, static_cast<double>(r.p50) / 1000.0,
                static_cast<double>(r.p99) / 1000.0, static_cast<long long>(r.lost), r.ok ? 1 : 0);
    std::fflush(stdout);
    reports.push_back(r);
    if (!r.ok) break;
  }
  const std::size_t held_end = pool.ready();
  if (!pool.first_error().empty()) std::printf("first error: %s\n", pool.first_error().c_str());
  pool.stop();

  // The best step that kept up, and the one that fell behind (its deliveries/s
  // is the server's ceiling when the generator was not the bound).
  const step_report* best = nullptr;
  const step_report* behind = nullptr;
  for (const auto& r : reports) {
    if (r.ok) best = &r;
    else behind = &r;
  }
  double peak = 0;
  for (const auto& r : reports)
    if (r.deliveries_per_s > peak) peak = r.deliveries_per_s;
  std::printf("summary server=%s clients=%zu held_idle=%zu held_end=%zu failed=%zu rss_per_conn_B=%.0f "
              "max_ok_rate=%.0f ok_deliveries_per_s=%.0f ok_p50_ms=%.2f ok_p99_ms=%.2f "
              "ok_server_us_per_delivery=%.2f ok_generator_cpu=%.0f "
              "behind_rate=%.0f behind_deliveries_per_s=%.0f behind_p99_ms=%.2f behind_server_us_per_delivery=%.2f "
              "behind_generator_cpu=%.0f peak_deliveries_per_s=%.0f generator_ceiling_per_s=%.0f\n",
              label.c_str(), po.clients, held_idle, held_end, pool.failed(), rss_per_conn, best ? best->rate : 0,
              best ? best->deliveries_per_s : 0, best ? static_cast<double>(best->p50) / 1000.0 : 0,
              best ? static_cast<double>(best->p99) / 1000.0 : 0, best ? best->server_us : 0,
              best ? best->generator_cpu : 0, behind ? behind->rate : 0, behind ? behind->deliveries_per_s : 0,
              behind ? static_cast<double>(behind->p99) / 1000.0 : 0, behind ? behind->server_us : 0,
              behind ? behind->generator_cpu : 0, peak, gen_ceiling);
  return 0;
}
