#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/config.hpp"
#include "http/response_cache.hpp"

namespace agora::http {
namespace {

cache_entry entry(std::string body, std::vector<std::string> tags = {}, timestamp_us expires_at = 0) {
  cache_entry e;
  e.etag = make_etag(body);
  e.body = std::move(body);
  e.tags = std::move(tags);
  e.expires_at = expires_at;
  return e;
}

request get(std::string target, std::string route = "r") {
  request req;
  req.method = method::get;
  parse_target(target, req);
  req.route_name = std::move(route);
  return req;
}

TEST(ResponseCache, HitAndMiss) {
  manual_clock clk(1'000'000);
  response_cache c({}, clk);
  EXPECT_EQ(c.get("k"), nullptr);
  ASSERT_TRUE(c.put("k", entry("{\"a\":1}")));
  auto e = c.get("k");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->body, "{\"a\":1}");
  auto st = c.stats();
  EXPECT_EQ(st.hits, 1u);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.entries, 1u);
  EXPECT_EQ(st.bytes, 7u);
}

TEST(ResponseCache, TagInvalidationIsExact) {
  manual_clock clk(1'000'000);
  response_cache c({}, clk);
  ASSERT_TRUE(c.put("p1", entry("1", {"product:1", "catalog"})));
  ASSERT_TRUE(c.put("p12", entry("12", {"product:12", "catalog"})));
  ASSERT_TRUE(c.put("orders42", entry("o", {"orders:customer:42"})));
  ASSERT_TRUE(c.put("untagged", entry("u")));
  EXPECT_EQ(c.invalidate({"product:1"}), 1u);  // not product:12
  EXPECT_EQ(c.get("p1"), nullptr);
  EXPECT_NE(c.get("p12"), nullptr);
  EXPECT_EQ(c.invalidate({"catalog", "orders:customer:42"}), 2u);
  EXPECT_EQ(c.get("p12"), nullptr);
  EXPECT_EQ(c.get("orders42"), nullptr);
  EXPECT_NE(c.get("untagged"), nullptr);
  EXPECT_EQ(c.invalidate({"nothing"}), 0u);
  EXPECT_EQ(c.stats().invalidations, 3u);
  // A replaced entry's old tags no longer apply.
  ASSERT_TRUE(c.put("x", entry("1", {"a"})));
  ASSERT_TRUE(c.put("x", entry("2", {"b"})));
  EXPECT_EQ(c.invalidate({"a"}), 0u);
  EXPECT_EQ(c.invalidate({"b"}), 1u);
}

TEST(ResponseCache, TtlExpiry) {
  manual_clock clk(1'000'000);
  response_cache_options o;
  o.default_ttl = std::chrono::milliseconds(500);
  response_cache c(o, clk);
  ASSERT_TRUE(c.put("default", entry("d")));
  ASSERT_TRUE(c.put("explicit", entry("e", {}, clk.now() + 2'000'000)));
  clk.advance(499'000);
  EXPECT_NE(c.get("default"), nullptr);
  clk.advance(1'000);
  EXPECT_EQ(c.get("default"), nullptr);
  EXPECT_NE(c.get("explicit"), nullptr);
  clk.advance(1'500'000);
  EXPECT_EQ(c.get("explicit"), nullptr);
  EXPECT_EQ(c.stats().expirations, 2u);
  ASSERT_TRUE(c.put("at", entry("x", {}, 10'000'000)));
  EXPECT_NE(c.get("at", 9'999'999), nullptr);  // an explicit `now`
  EXPECT_EQ(c.get("at", 10'000'000), nullptr);
  EXPECT_EQ(c.stats().entries, 0u);
}

TEST(ResponseCache, LruBoundsEntriesAndBytes) {
  manual_clock clk(1'000'000);
  response_cache_options o;
  o.shards = 1;
  o.max_entries = 3;
  o.max_bytes = 100;
  response_cache c(o, clk);
  ASSERT_TRUE(c.put("a", entry("1")));
  ASSERT_TRUE(c.put("b", entry("2")));
  ASSERT_TRUE(c.put("c", entry("3")));
  EXPECT_NE(c.get("a"), nullptr);  // a is now the most recent; b the least
  ASSERT_TRUE(c.put("d", entry("4")));
  EXPECT_EQ(c.get("b"), nullptr);
  EXPECT_NE(c.get("a"), nullptr);
  EXPECT_NE(c.get("c"), nullptr);
  EXPECT_NE(c.get("d"), nullptr);
  EXPECT_EQ(c.stats().evictions, 1u);
  // Bytes: one 90-byte entry pushes out the others.
  ASSERT_TRUE(c.put("big", entry(std::string(90, 'x'))));
  EXPECT_LE(c.stats().bytes, 100u);
  EXPECT_NE(c.get("big"), nullptr);
  EXPECT_FALSE(c.put("huge", entry(std::string(101, 'x'))));  // never fits
}

TEST(ResponseCache, PutThatRacedAnInvalidationIsNotStored) {
  manual_clock clk(1'000'000);
  response_cache c({}, clk);
  std::uint64_t epoch = c.epoch();
  (void)c.invalidate({"product:1"});  // the data changed while we rendered
  EXPECT_FALSE(c.put("p1", entry("old", {"product:1"}), epoch));
  EXPECT_EQ(c.get("p1"), nullptr);
  EXPECT_TRUE(c.put("p1", entry("new", {"product:1"}), c.epoch()));
  EXPECT_EQ(c.stats().stale_puts, 1u);
}

// The gateway's reads rely on this for a rebuilt read model: its batch says
// "all" and the gateway clears the cache instead of invalidating tags.
TEST(ResponseCache, PutThatRacedAClearIsNotStored) {
  manual_clock clk(1'000'000);
  response_cache c({}, clk);
  const std::uint64_t epoch = c.epoch();
  c.clear();
  EXPECT_FALSE(c.put("p1", entry("old", {"product:1"}), epoch));
  EXPECT_EQ(c.get("p1"), nullptr);
  EXPECT_EQ(c.stats().stale_puts, 1u);
}

TEST(ResponseCache, KeysNormalizeQueryAndVaryByUser) {
  auto a = get("/api/orders?page=2&size=10");
  auto b = get("/api/orders?size=10&page=2");
  EXPECT_EQ(make_cache_key(a, false), make_cache_key(b, false));
  EXPECT_NE(make_cache_key(get("/api/orders?page=3&size=10"), false), make_cache_key(a, false));
  EXPECT_NE(make_cache_key(get("/api/orders?page=2&size=10", "other"), false), make_cache_key(a, false));
  a.user = principal{"42", "a@x", "customer"};
  b.user = principal{"43", "b@x", "customer"};
  EXPECT_NE(make_cache_key(a, true), make_cache_key(b, true));
  EXPECT_EQ(make_cache_key(a, false), make_cache_key(b, false));
  // Length prefixes keep keys unambiguous.
  EXPECT_NE(make_cache_key(get("/x?a=b&c=d"), false), make_cache_key(get("/x?a=b%26c%3Dd"), false));
  EXPECT_NE(make_cache_key(get("/x?a=b&c=d"), false), make_cache_key(get("/x?a%3Db%26c=d"), false));
  // Repeated names keep their order (a route reads the first value).
  EXPECT_NE(make_cache_key(get("/x?c=a&c=b"), false), make_cache_key(get("/x?c=b&c=a"), false));
  EXPECT_EQ(make_cache_key(get("/x?c=a&d=1&c=b"), false), make_cache_key(get("/x?d=1&c=a&c=b"), false));
  // An ignored parameter is left out, and only that one.
  EXPECT_EQ(make_cache_key(get("/x?a=1&min_position=7"), false, "min_position"),
            make_cache_key(get("/x?a=1"), false, "min_position"));
  EXPECT_NE(make_cache_key(get("/x?a=1&min_position=7"), false), make_cache_key(get("/x?a=1"), false));

  manual_clock clk(1'000'000);
  response_cache c({}, clk);
  ASSERT_TRUE(c.put(make_cache_key(a, true), entry("orders of 42", {"orders:customer:42"})));
  EXPECT_EQ(c.get(make_cache_key(b, true)), nullptr);
  EXPECT_NE(c.get(make_cache_key(a, true)), nullptr);
}

TEST(ResponseCache, EtagsAndTheirWeakComparison) {
  auto e = entry("{\"x\":1}");
  EXPECT_EQ(e.etag.size(), 18u);
  EXPECT_EQ(e.etag.front(), '"');
  EXPECT_EQ(make_etag("{\"x\":1}"), e.etag);  // stable
  EXPECT_NE(make_etag("{\"x\":2}"), e.etag);

  EXPECT_TRUE(etag_matches("\"other\", " + e.etag, e.etag));
  EXPECT_TRUE(etag_matches("\"other\",W/" + e.etag + " ,", e.etag));
  EXPECT_TRUE(etag_matches("*", e.etag));
  EXPECT_TRUE(etag_matches("W/" + e.etag, e.etag));
  EXPECT_FALSE(etag_matches("\"nope\"", e.etag));
}

TEST(ResponseCache, ConcurrentReadersWritersAndInvalidations) {
  response_cache c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string key = "k" + std::to_string(i % 50);
        if (i % 3 == 0) {
          (void)c.put(key, entry("v", {"tag:" + std::to_string(i % 7)}));
        } else if (i % 17 == 0) {
          (void)c.invalidate({"tag:" + std::to_string(t)});
        } else {
          (void)c.get(key);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  (void)c.invalidate({"tag:0", "tag:1", "tag:2", "tag:3", "tag:4", "tag:5", "tag:6"});
  EXPECT_EQ(c.stats().entries, 0u);
  EXPECT_EQ(c.stats().bytes, 0u);
}

TEST(ResponseCacheOptions, FromConfigRefusesANegativeMaxEntriesNamingTheKey) {
  config cfg;
  cfg.set("http.cache.max_entries", "-1");
  const auto o = response_cache_options::from_config(cfg);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().key, "http.cache.max_entries");
  EXPECT_NE(o.error().message.find("http.cache.max_entries"), std::string::npos) << o.error().message;
  config defaults;
  const auto d = response_cache_options::from_config(defaults);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->max_entries, response_cache_options{}.max_entries);
}

}  // namespace
}  // namespace agora::http
