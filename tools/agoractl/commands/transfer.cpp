// export FILE | import FILE: the log as NDJSON (export_format.hpp), streamed,
// gzip when the name ends in .gz. An import builds the new store beside the
// target and swaps it in whole: interrupted, it leaves the target as it was.

#include <CLI/CLI.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "eventstore/store_lock.hpp"
#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/dir_swap.hpp"
#include "tools/agoractl/export_format.hpp"
#include "tools/agoractl/line_file.hpp"
#include "tools/agoractl/progress.hpp"

namespace agora::agoractl {

namespace es = agora::eventstore;

namespace {

struct transfer_options {
  std::string file;
  bool quiet = false;
  bool force_append = false;
  bool no_verify = false;
};

int run_export(const cli_context& ctx, const transfer_options& o) {
  const auto start = std::chrono::steady_clock::now();
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  auto& s = **store;
  // A read-only or secondary instance does not move: everything below reads
  // the same point in time, even while agorad appends.
  const es::log_position last = s.last_position();
  auto out = line_writer::open(o.file);
  if (!out) return fail(out.error());
  if (auto w = out->write(header_line(last, system_clock::instance().now())); !w) return fail(w.error());

  log_checksum sum;
  progress bar("export", last, "events", o.quiet);
  std::string buf;
  std::string write_error;
  std::uint64_t events = 0;
  auto n = s.scan_log(1, last, [&](const es::event_view& v) {
    const std::size_t at = buf.size();
    append_event_line(buf, v);
    sum.add_line(std::string_view(buf).substr(at));
    ++events;
    if (buf.size() >= (1u << 20)) {
      if (auto w = out->write(buf); !w) {
        write_error = w.error();
        return false;
      }
      buf.clear();
    }
    bar.update(events);
    return true;
  });
  if (!n) return fail(n.error().message);
  if (!write_error.empty()) return fail(write_error);
  auto cps = s.list_checkpoints();
  if (!cps) return fail(cps.error().message);
  for (const auto& [name, pos] : *cps) buf += checkpoint_line(name, pos);
  auto wakeups = s.list_wakeups(std::numeric_limits<std::size_t>::max());
  if (!wakeups) return fail(wakeups.error().message);
  for (const auto& w : *wakeups) buf += wakeup_line(w.stream, w.due);
  buf += trailer_line(events, sum.hex());
  if (auto w = out->write(buf); !w) return fail(w.error());
  if (auto c = out->commit(); !c) return fail(c.error());
  bar.finish(events);
  const double secs = seconds_since(start);
  report r;
  r.add("file", o.file).add("events", events).add("last_position", last).add("checkpoints", std::uint64_t{cps->size()});
  r.add("wakeups", std::uint64_t{wakeups->size()}).add("bytes", out->bytes()).add("checksum", sum.hex());
  r.add("seconds", secs).add("events_per_second", secs > 0 ? static_cast<double>(events) / secs : 0.0);
  // Exported to stdout: the summary must not land in the data.
  r.print(ctx, o.file == "-" ? stderr : stdout);
  return exit_ok;
}

// Appends of one stream's consecutive events, queued to the store's writer
// with a bounded number in flight; the first failure stops the import.
class import_writer {
 public:
  explicit import_writer(es::event_store& s) : store_(s) {}

  void add(export_record&& rec, std::uint64_t line) {
    const bool continues = !pending_.empty() && rec.stream == stream_ &&
                           rec.version == first_version_ + pending_.size() &&
                           pending_.size() < store_.options().max_events_per_append && bytes_ < (1u << 20);
    if (!continues) flush();
    if (pending_.empty()) {
      stream_ = rec.stream;
      first_version_ = rec.version;
      first_line_ = line;
      bytes_ = 0;
    }
    bytes_ += rec.event.data.size();
    pending_.push_back(std::move(rec.event));
  }

  void flush() {
    if (pending_.empty()) return;
    {
      // The store refuses appends past its queue limit: stay well below it.
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [this] { return in_flight_ < kMaxInFlight; });
      ++in_flight_;
    }
    const std::uint64_t line = first_line_;
    store_.async_append(std::move(stream_), es::expected_version::exact(first_version_ - 1), std::move(pending_),
                        [this, line](es::store_result<es::append_result> r) {
                          std::lock_guard<std::mutex> lk(mu_);
                          if (!r && error_.empty()) {
                            error_ = "line " + std::to_string(line) + ": " + r.error().message;
                          }
                          --in_flight_;
                          cv_.notify_all();
                        });
    pending_.clear();
    stream_.clear();
  }

  /// Waits for every append; answers the first error ("" when none).
  std::string finish() {
    flush();
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [this] { return in_flight_ == 0; });
    return error_;
  }

  bool failed() {
    std::lock_guard<std::mutex> lk(mu_);
    return !error_.empty();
  }

 private:
  static constexpr std::size_t kMaxInFlight = 4096;
  es::event_store& store_;
  std::string stream_;
  es::stream_version first_version_ = 0;
  std::uint64_t first_line_ = 0;
  std::size_t bytes_ = 0;
  std::vector<es::new_event> pending_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t in_flight_ = 0;
  std::string error_;
};

// The canonical line of a parsed event with the position it had in the
// exported log: the file's own checksum, whatever positions the import gives.
void add_to_file_checksum(log_checksum& sum, const export_record& r) {
  const auto& e = r.event;
  es::event_view v{e.id, r.stream, r.version, r.position, e.type, e.schema_version, e.timestamp,
                   e.correlation_id, e.causation_id, e.actor, e.data};
  sum.add(v);
}

struct import_result {
  std::uint64_t events = 0, checkpoints = 0, wakeups = 0;
  std::string checksum;
};

// Reads the file into the store at `dir` (already open as `s`). `renumber`:
// the store is not empty, positions follow its own.
expected<import_result, std::string> load(const transfer_options& o, es::event_store& s, bool renumber) {
  auto in = line_reader::open(o.file);
  if (!in) return unexpected{in.error()};
  import_writer writer(s);
  // Appends in flight call back into `writer`: every way out waits for them.
  auto bail = [&writer](std::string msg) -> expected<import_result, std::string> {
    writer.finish();
    return unexpected{std::move(msg)};
  };
  log_checksum file_sum;
  import_result res;
  std::vector<std::pair<std::string, es::log_position>> checkpoints;
  std::vector<std::pair<std::string, timestamp_us>> wakeups;
  std::optional<export_record> trailer;
  es::log_position last_file_position = 0;
  progress bar("import", 0, "events", o.quiet);
  std::string_view line;
  for (;;) {
    auto more = in->next(line);
    if (!more) return bail(more.error());
    if (!*more) break;
    const auto n = in->line_number();
    auto where = [&](const std::string& what) { return o.file + ": line " + std::to_string(n) + ": " + what; };
    if (stop_requested()) return bail("interrupted at line " + std::to_string(n));
    if (line.empty()) return bail(where("empty line"));
    auto rec = parse_export_line(line);
    if (!rec) return bail(where(rec.error()));
    if (n == 1) {
      if (rec->k != export_record::kind::header) return bail(where("not an agoractl export: no header line"));
      if (rec->number != export_format_version) {
        return bail(where("export format " + std::to_string(rec->number) + "; this agoractl reads format " +
                                std::to_string(export_format_version)));
      }
      continue;
    }
    if (trailer) return bail(where("content after the trailer line"));
    switch (rec->k) {
      case export_record::kind::header: return bail(where("a second header line"));
      case export_record::kind::event: {
        if (!checkpoints.empty() || !wakeups.empty()) return bail(where("an event after the checkpoints"));
        if (rec->position != last_file_position + 1) {
          return bail(where("position " + std::to_string(rec->position) + " where " +
                                  std::to_string(last_file_position + 1) + " was expected (the log has no gaps)"));
        }
        if (rec->version == 0) return bail(where("version 0 (versions start at 1)"));
        if (auto bad = es::event_store::validate_stream_id(rec->stream, s.options().max_stream_id_bytes)) {
          return bail(where(bad->message));
        }
        last_file_position = rec->position;
        add_to_file_checksum(file_sum, *rec);
        writer.add(std::move(*rec), n);
        ++res.events;
        bar.update(res.events);
        if (writer.failed()) return bail(o.file + ": " + writer.finish());
        break;
      }
      case export_record::kind::checkpoint: checkpoints.emplace_back(rec->name, rec->number); break;
      case export_record::kind::wakeup:
        wakeups.emplace_back(rec->name, static_cast<timestamp_us>(rec->number));
        break;
      case export_record::kind::end: trailer = std::move(*rec); break;
    }
  }
  if (auto err = writer.finish(); !err.empty()) return bail(o.file + ": " + err);
  if (in->line_number() == 0) return bail(o.file + " is empty: not an agoractl export");
  if (!trailer) {
    return bail(o.file + " ends at line " + std::to_string(in->line_number()) +
                      " without its trailer line: the file is truncated");
  }
  if (trailer->number != res.events) {
    return bail(o.file + ": the trailer counts " + std::to_string(trailer->number) + " events, the file holds " +
                      std::to_string(res.events));
  }
  if (trailer->checksum != file_sum.hex()) {
    return bail(o.file + ": checksum mismatch: the trailer says " + trailer->checksum + ", the events give " +
                      file_sum.hex() + " (the file was altered or damaged)");
  }
  // Checkpoints name positions of the exported log: meaningful only when the
  // positions are kept. Appended to another log, its consumers keep theirs.
  if (!renumber) {
    for (const auto& [name, pos] : checkpoints) {
      if (auto r = s.put_checkpoint(name, pos); !r) return bail("checkpoint '" + name + "': " + r.error().message);
      ++res.checkpoints;
    }
  }
  for (const auto& [stream, due] : wakeups) {
    if (auto r = s.set_wakeup(stream, due); !r) return bail("wake-up of '" + stream + "': " + r.error().message);
    ++res.wakeups;
  }
  bar.finish(res.events);
  res.checksum = file_sum.hex();
  return res;
}

int run_import(const cli_context& ctx, const transfer_options& o) {
  const auto start = std::chrono::steady_clock::now();
  const std::string& target = ctx.store_path;
  const auto lock = es::probe_store_lock(target);
  if (lock.state == es::store_lock_state::status::held) return fail(held_message(target, lock.holder_pid));
  es::log_position existing = 0;
  if (lock.state == es::store_lock_state::status::no_store) {
    if (!missing_or_empty(target)) {
      return fail(target + " exists and is not an event store: import into a new or empty directory");
    }
  } else {
    auto current = open_for_read(target);
    if (!current) return fail(current.error());
    existing = (*current)->last_position();
  }
  if (existing > 0 && !o.force_append) {
    return fail("the store at " + target + " holds " + std::to_string(existing) +
                " events: import into an empty store, or pass --force-append to add the file's events after them");
  }
  const bool renumber = existing > 0;

  if (auto parent = check_parent(target); !parent) return fail(parent.error());
  temp_dir_guard guard(sibling_temp(target, "import"));
  const std::string& tmp = guard.path();
  catch_stop_signals();

  if (renumber) {
    // Start from a checkpoint of the current store: the appends go to the copy,
    // and the target changes only when the copy is swapped in.
    auto cur = open_for_write(target, /*create=*/false);
    if (!cur) return fail(cur.error());
    if (auto c = (*cur)->create_checkpoint(tmp); !c) return fail(c.error().message);
  }
  import_result res;
  {
    // Unsynced appends, one flush at the end: nothing is visible at the
    // target before then, so per-append durability buys nothing here.
    auto s = open_for_write(tmp, /*create=*/true, /*sync=*/false);
    if (!s) return fail(s.error());
    auto loaded = load(o, **s, renumber);
    if (!loaded) return fail(loaded.error() + "; nothing was imported, " + target + " is unchanged");
    res = std::move(*loaded);
    if (auto f = (**s).flush(); !f) return fail(f.error().message + "; nothing was imported");
    if (!o.no_verify) {
      auto rep = (**s).verify();
      if (!rep) return fail(rep.error().message + "; nothing was imported");
      if (!rep->ok) {
        return fail("the imported store fails verify (" +
                    (rep->problems.empty() ? std::string() : rep->problems[0]) + "); nothing was imported");
      }
    }
  }
  // Proof of an exact reproduction: the new store's log gives the file's checksum.
  std::string store_checksum;
  {
    auto check = open_for_read(tmp);
    if (!check) return fail(check.error() + "; nothing was imported");
    log_checksum sum;
    auto n = (*check)->scan_log(renumber ? existing + 1 : 1, std::numeric_limits<std::size_t>::max(),
                                [&sum](const es::event_view& v) {
                                  sum.add(v);
                                  return true;
                                });
    if (!n) return fail(n.error().message + "; nothing was imported");
    store_checksum = sum.hex();
  }
  if (!renumber && store_checksum != res.checksum) {
    return fail("the imported log's checksum " + store_checksum + " differs from the file's " + res.checksum +
                "; nothing was imported");
  }
  if (stop_requested()) return fail("interrupted; nothing was imported, " + target + " is unchanged");
  if (auto sy = sync_tree(tmp); !sy) return fail(sy.error() + "; nothing was imported");
  if (auto in = install_dir(tmp, target); !in) return fail(in.error());
  guard.keep();
  const double secs = seconds_since(start);
  report r;
  r.add("store", target).add("events", res.events).add("checkpoints", res.checkpoints).add("wakeups", res.wakeups);
  r.add("appended_after", existing).add("checksum", res.checksum);
  if (renumber) r.add("store_checksum_of_appended", store_checksum);
  r.add("seconds", secs).add("events_per_second", secs > 0 ? static_cast<double>(res.events) / secs : 0.0);
  r.print(ctx);
  return exit_ok;
}

}  // namespace

void add_transfer_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<transfer_options>();
  auto* exp = app.add_subcommand(
      "export",
      "write the whole log (events exactly as stored, password hashes included: keep the file as safe as the "
      "store), checkpoints and wake-ups as NDJSON; gzip when FILE ends in .gz; works while agorad runs");
  add_store_option(exp, ctx);
  exp->add_option("file", o->file, "output file, or - for standard output")->required();
  exp->add_flag("--quiet,-q", o->quiet, "no progress line");
  out.push_back({exp, [&ctx, o] { return run_export(ctx, *o); }});

  auto* imp = app.add_subcommand(
      "import",
      "load an export into an empty (or new) store, reproducing the log exactly (same positions, versions, ids, "
      "checksum); all or nothing; agorad must be stopped");
  add_store_option(imp, ctx);
  imp->add_option("file", o->file, "an export file (plain or gzip), or - for standard input")->required();
  imp->add_flag("--force-append", o->force_append,
                "the store holds events: append the file's after them (new positions; streams must not clash; "
                "the file's checkpoints are ignored)");
  imp->add_flag("--no-verify", o->no_verify,
                "skip the store verify of the result (the log checksum is still compared with the file's)");
  imp->add_flag("--quiet,-q", o->quiet, "no progress line");
  out.push_back({imp, [&ctx, o] { return run_import(ctx, *o); }});
}

}  // namespace agora::agoractl
