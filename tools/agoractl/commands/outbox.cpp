// outbox status | republish: the Kafka relay's checkpoint (the last log
// position it delivered), its lag, whether a broker answers; and moving the
// checkpoint back so that the relay sends events again, offline.

#include <CLI/CLI.hpp>
#include <librdkafka/rdkafka.h>

#include <cstdlib>
#include <memory>

#include "bus/relay_options.hpp"
#include "common/config.hpp"
#include "tools/agoractl/commands/commands.hpp"

extern char** environ;

namespace agora::agoractl {

namespace {

struct outbox_options {
  std::string checkpoint_name = bus::relay_options{}.checkpoint_name;
  std::string brokers;  // empty: from the node's configuration, else not checked
  std::string config_file;
  int broker_timeout_ms = 3000;
  std::uint64_t from = 0;
};

/// Asks `brokers` for the cluster's metadata: the answer's broker count, or
/// why there was none within `timeout_ms`.
expected<int, std::string> probe_brokers(const std::string& brokers, int timeout_ms) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "client.id", "agoractl", err, sizeof err) != RD_KAFKA_CONF_OK ||
      // librdkafka logs each refused connection on stderr: the report says it once.
      rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return unexpected(std::string(err));
  }
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err),
                                                        rd_kafka_destroy);
  if (!rk) return unexpected(std::string(err));  // conf is freed by rd_kafka_new on failure
  const struct rd_kafka_metadata* md = nullptr;
  const rd_kafka_resp_err_t r = rd_kafka_metadata(rk.get(), /*all_topics=*/0, nullptr, &md, timeout_ms);
  if (r != RD_KAFKA_RESP_ERR_NO_ERROR) return unexpected(std::string(rd_kafka_err2str(r)));
  const int n = md->broker_cnt;
  rd_kafka_metadata_destroy(md);
  return n;
}

// Where kafka.brokers comes from when --brokers is not given: the node's
// config file as agorad finds it (--config, $AGORA_CONFIG, ./agora.conf),
// then AGORA_KAFKA_BROKERS, which wins as it does for agorad.
struct configured_brokers {
  std::string value;   // empty: not configured anywhere
  std::string source;  // "flag", "file", "env"
};

expected<configured_brokers, std::string> brokers_of(const outbox_options& o) {
  if (!o.brokers.empty()) return configured_brokers{o.brokers, "flag"};
  config cfg;
  cfg.load_environment(environ);
  const std::string file = find_config_file(o.config_file);
  if (!file.empty()) {
    if (auto err = cfg.load_file(file)) return unexpected{"--config: " + *err};
  }
  const std::string value = cfg.get_string("kafka.brokers", "");
  if (value.empty()) return configured_brokers{};
  const char* env = std::getenv("AGORA_KAFKA_BROKERS");
  return configured_brokers{value, env != nullptr && *env != '\0' ? "env AGORA_KAFKA_BROKERS" : "file " + file};
}

int run_status(const cli_context& ctx, const outbox_options& o) {
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  auto cp = (*store)->get_checkpoint(o.checkpoint_name);
  if (!cp) return fail(cp.error().message);
  const auto last = (*store)->last_position();
  const std::uint64_t at = cp->value_or(0);
  report r;
  r.add("checkpoint_name", o.checkpoint_name).add("live", store->live());
  r.add("checkpoint", at).add("ran", cp->has_value()).add("last_position", last);
  r.add("lag", last > at ? last - at : 0);
  bool broker_ok = true;
  auto brokers = brokers_of(o);
  if (!brokers) return fail(brokers.error(), exit_usage);
  if (brokers->value.empty()) {
    r.add("broker", std::string("not checked (give --brokers, or --config with the node's kafka.brokers)"));
  } else if (brokers->value == "embedded" || brokers->value == "off") {
    r.add("brokers", brokers->value).add("brokers_from", brokers->source);
    r.add("broker", std::string(brokers->value == "off" ? "the relay is off (kafka.brokers = off): nothing is sent"
                                                         : "embedded in agorad (in-process, memory only): nothing "
                                                           "to probe from here"));
  } else {
    auto p = probe_brokers(brokers->value, o.broker_timeout_ms);
    broker_ok = p.has_value();
    r.add("brokers", brokers->value).add("brokers_from", brokers->source).add("broker_reachable", broker_ok);
    if (p) {
      r.add("broker_count", static_cast<std::uint64_t>(*p));
    } else {
      r.add("broker_error", p.error());
    }
  }
  r.print(ctx);
  if (!broker_ok) return fail("no broker of " + brokers->value + " answered within " + std::to_string(o.broker_timeout_ms) + " ms");
  return exit_ok;
}

int run_republish(const cli_context& ctx, const outbox_options& o) {
  if (o.from == 0) return fail("--from is a log position, 1 or more", exit_usage);
  auto store = open_for_write(ctx.store_path, /*create=*/false);
  if (!store) return fail(store.error());
  auto& s = **store;
  const auto last = s.last_position();
  if (o.from > last) {
    return fail("--from " + std::to_string(o.from) + " is past the end of the log (" + std::to_string(last) + ")",
                exit_usage);
  }
  auto cp = s.get_checkpoint(o.checkpoint_name);
  if (!cp) return fail(cp.error().message);
  const std::uint64_t was = cp->value_or(0);
  const std::uint64_t to = o.from - 1;  // the relay resumes after its checkpoint
  if (to > was) {
    return fail("the relay's checkpoint is at " + std::to_string(was) + ": --from " + std::to_string(o.from) +
                " would skip events it has not sent; republish only moves it back");
  }
  if (auto w = s.put_checkpoint(o.checkpoint_name, to); !w) return fail(w.error().message);
  if (auto f = s.flush(); !f) return fail(f.error().message);
  report r;
  r.add("checkpoint_name", o.checkpoint_name).add("was", was).add("now", to);
  r.add("to_resend", was - to);
  r.add("note", std::string("agorad's relay sends the events after the checkpoint again when it starts; "
                            "consumers dedupe by event id, so a re-sent event is applied once"));
  r.print(ctx);
  return exit_ok;
}

}  // namespace

void add_outbox_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<outbox_options>();
  auto* outbox = app.add_subcommand("outbox", "the Kafka relay's progress")->require_subcommand(1);
  auto name_option = [&o](CLI::App* c) {
    c->add_option("--checkpoint-name", o->checkpoint_name, "the relay's checkpoint (kafka.checkpoint_name)")
        ->capture_default_str();
  };
  auto* status = outbox->add_subcommand(
      "status", "the relay's checkpoint, its lag behind the log, and (with --brokers) whether a broker answers");
  add_store_option(status, ctx);
  name_option(status);
  status->add_option("--brokers", o->brokers,
                     "bootstrap servers to probe (host:port,...); default: kafka.brokers of the node's config");
  status->add_option("--config", o->config_file,
                     "agorad's config file, for kafka.brokers (default: $AGORA_CONFIG, or ./agora.conf; "
                     "$AGORA_KAFKA_BROKERS wins as for agorad)");
  status->add_option("--broker-timeout-ms", o->broker_timeout_ms, "how long the probe waits for an answer")
      ->check(CLI::Range(100, 60'000))
      ->capture_default_str();
  out.push_back({status, [&ctx, o] { return run_status(ctx, *o); }});

  auto* republish = outbox->add_subcommand(
      "republish", "move the relay's checkpoint back so that it sends the events from --from again (agorad stopped)");
  add_store_option(republish, ctx);
  name_option(republish);
  republish->add_option("--from", o->from, "the first log position to send again")->required();
  out.push_back({republish, [&ctx, o] { return run_republish(ctx, *o); }});
}

}  // namespace agora::agoractl
