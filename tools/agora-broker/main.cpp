// agora-broker: runs the embedded Kafka broker (librdkafka's mock cluster) on
// its own, for tests and for several development nodes sharing one broker.
//
// The first line of stdout is the bootstrap string ("127.0.0.1:port,...");
// then it runs until SIGINT or SIGTERM. Memory only: see docs/KAFKA.md.
//
// usage: agora-broker [--brokers N] [--partitions N] [--topic NAME]...
//   --brokers     brokers in the cluster (default 3)
//   --partitions  partitions of the created topics (default 4)
//   --topic       a topic to create at start (repeatable; default: the agora.*
//                 topics of a default configuration). Others are auto-created.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bus/embedded_broker.hpp"
#include "bus/relay_options.hpp"

namespace {

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--brokers N] [--partitions N] [--topic NAME]...\n", argv0);
  return 2;
}

bool parse_int(const char* s, int lo, int hi, int* out) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  agora::bus::embedded_broker_options o;
  bool topics_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    std::string value;
    std::string name = a;
    if (const auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else if (a == "--help" || a == "-h") {
      usage(argv[0]);
      return 0;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return usage(argv[0]);
    }
    if (name == "--brokers") {
      if (!parse_int(value.c_str(), 1, 16, &o.brokers)) return usage(argv[0]);
    } else if (name == "--partitions") {
      if (!parse_int(value.c_str(), 1, 1024, &o.partitions)) return usage(argv[0]);
    } else if (name == "--topic") {
      if (value.empty()) return usage(argv[0]);
      o.topics.push_back(value);
      topics_given = true;
    } else {
      return usage(argv[0]);
    }
  }
  if (!topics_given) {
    const agora::bus::topic_map defaults;
    for (const auto& [kind, topic] : defaults.topics) o.topics.push_back(topic);
    o.topics.push_back(defaults.default_topic);
  }

  // Block the signals before librdkafka starts its threads, so that they all
  // inherit the mask and only sigwait() below receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto broker = agora::bus::embedded_broker::start(o);
  if (!broker) {
    std::fprintf(stderr, "agora-broker: %s\n", broker.error().c_str());
    return 1;
  }
  std::printf("%s\n", (*broker)->bootstrap_servers().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "agora-broker: %d brokers, topics created with %d partitions; memory only; Ctrl-C stops\n",
               o.brokers, o.partitions);
  int sig = 0;
  sigwait(&set, &sig);
  std::fprintf(stderr, "agora-broker: signal %d, stopping\n", sig);
  return 0;
}
