#include "bench/history_gen/history_plan.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <unordered_map>
#include <variant>

#include "actors/domain/cart.hpp"
#include "actors/domain/claim.hpp"
#include "actors/domain/customer.hpp"
#include "actors/domain/inventory.hpp"
#include "actors/domain/order.hpp"
#include "actors/domain/order_saga.hpp"
#include "actors/domain/product.hpp"
#include "common/uuid.hpp"

namespace agora::bench {

namespace dom = agora::domain;
namespace od = agora::domain::order;
namespace cd = agora::domain::cart;
namespace inv = agora::domain::inventory;
namespace es = agora::eventstore;

namespace {

constexpr timestamp_us us_per_s = 1'000'000;
constexpr timestamp_us us_per_min = 60 * us_per_s;
constexpr timestamp_us us_per_h = 60 * us_per_min;
constexpr timestamp_us us_per_day = 24 * us_per_h;

/// splitmix64: small, fast, and the same sequence on every platform (the
/// standard distributions are not), which the determinism promise needs.
class rng {
 public:
  explicit rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n) (n > 0; the modulo bias is far below what matters here).
  std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
  /// Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  /// Uniform in [0, 1).
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t s_;
};

/// A version 7 UUID for `t` whose random bits come from `r`: the ids the live
/// system mints (uuid::time_ordered_v7), but reproducible.
uuid make_v7(timestamp_us t, rng& r) {
  uuid::bytes_type b{};
  const auto ms = static_cast<std::uint64_t>(t / 1000);
  for (int i = 0; i < 6; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  const std::uint64_t x = r.next();
  const std::uint64_t y = r.next();
  for (int i = 0; i < 2; ++i) b[static_cast<std::size_t>(6 + i)] = static_cast<std::uint8_t>(x >> (8 * i));
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(y >> (8 * i));
  b[6] = static_cast<std::uint8_t>(0x70 | (b[6] & 0x0f));
  b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3f));
  return uuid(b);
}

/// A version 4 UUID from `r` (request ids, the payment provider's ids).
std::string make_v4(rng& r) {
  uuid::bytes_type b{};
  const std::uint64_t x = r.next();
  const std::uint64_t y = r.next();
  for (int i = 0; i < 8; ++i) {
    b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(x >> (8 * i));
    b[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(y >> (8 * i));
  }
  b[6] = static_cast<std::uint8_t>(0x40 | (b[6] & 0x0f));
  b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3f));
  return uuid(b).to_string();
}

const char* const first_names[] = {"Anna",  "Ben",   "Clara", "David", "Emma",  "Felix", "Greta", "Hugo",
                                   "Ida",   "Jonas", "Karla", "Luca",  "Mia",   "Noah",  "Olga",  "Paul",
                                   "Rosa",  "Sven",  "Tara",  "Ugo",   "Vera",  "Wim",   "Yara",  "Zoe"};
const char* const last_names[] = {"Adler", "Berg",  "Costa",  "Dumont", "Engel", "Fischer", "Garcia", "Hansen",
                                  "Ito",   "Jensen", "Keller", "Larsen", "Moreau", "Novak",  "Olsen",  "Petrov",
                                  "Quinn", "Rossi",  "Schulz", "Tanaka", "Ulrich", "Varga",  "Weber",  "Young"};
const char* const adjectives[] = {"Classic", "Compact", "Deluxe", "Eco",    "Ergonomic", "Heavy-duty",
                                  "Light",   "Modern",  "Premium", "Rustic", "Smart",    "Vintage"};
const char* const nouns[] = {"Backpack", "Blender", "Chair",  "Desk lamp", "Headphones", "Jacket",
                             "Kettle",   "Mug",     "Notebook", "Pan",     "Sneakers",   "Teapot",
                             "Tent",     "Toaster", "Umbrella", "Wallet",  "Watch",      "Yoga mat"};
const char* const categories[] = {"Home",     "Kitchen", "Outdoor", "Office",  "Fashion",
                                  "Audio",    "Sports",  "Travel",  "Garden",  "Toys"};

template <class T, std::size_t N>
const T& pick(const T (&arr)[N], rng& r) {
  return arr[r.below(N)];
}

/// How an order's life goes once it is confirmed.
enum class fate : std::uint8_t {
  deliver,           ///< paid, processing, shipped, delivered
  decline_first,     ///< one PaymentDeclined, then as deliver
  cancel_unpaid,     ///< cancelled by the customer before paying
  deadline,          ///< never paid: cancelled by the payment deadline
  cancel_paid,       ///< paid, then cancelled (refunded)
  stay_confirmed,    ///< a recent order awaiting payment
};

enum class step_kind : std::uint8_t { reserve, pay, fulfil, cancel, expire, restock, checkout, cart_lapse };

struct step {
  timestamp_us at = 0;
  std::uint64_t seq = 0;
  step_kind kind = step_kind::reserve;
  /// Saga steps run even past the end (the actor does them at once);
  /// customer and admin steps past the end never happened.
  bool always = false;
  std::uint64_t target = 0;  // order number; product number (restock); cart number (cart steps)
  od::status to = od::status::processing;

  bool operator>(const step& o) const noexcept { return at != o.at ? at > o.at : seq > o.seq; }
};

struct order_sim {
  od::state s;
  es::stream_version version = 0;
  std::string stream;
  std::uint64_t customer = 0;
  std::vector<std::uint32_t> line_products;
  fate f = fate::deliver;
  bool declined = false;
  std::optional<timestamp_us> wakeup;  // what the store holds for the stream
};

struct item_sim {
  inv::state s;
  es::stream_version version = 0;
  std::string stream;
  std::string product_id;
  dom::money price;
  bool scarce = false;
  bool restock_pending = false;
  std::int64_t initial = 0;
  std::int64_t units_since_restock = 0;
  timestamp_us last_restock = 0;
  timestamp_us next_forget = 0;
  std::uint64_t units_ordered = 0;
  std::optional<timestamp_us> wakeup;  // what the store holds: the next hold expiry
};

/// One line an order (or a cart) wants: product number and quantity.
struct wanted_line {
  std::uint32_t product = 0;
  std::int64_t quantity = 0;
};

/// A cart while it is open: checked out into order `order` (a number), or
/// left to lapse (abandoned).
struct cart_sim {
  cd::state s;
  es::stream_version version = 0;
  std::string stream;
  std::uint64_t customer = 0;
  std::int64_t slot = 0;
  std::vector<std::uint32_t> held;  // product numbers of its lines
  bool abandoned = false;
  std::uint64_t order = 0;
  fate f = fate::deliver;
  std::vector<wanted_line> refused;  // lines whose stock could not be held
};

/// One open-cart slot claim stream (`claim-cart-slot:<customer>:<n>`).
struct slot_claim {
  es::stream_version version = 0;
  bool taken = false;
};

}  // namespace

struct history_plan::impl {
  history_options o;
  rng r;
  history_counts counts;
  std::string error;
  std::deque<planned_append> out;

  timestamp_us start = 0;
  timestamp_us span = 0;
  timestamp_us stop_at = 0;  // steps after it never happened (the present)
  timestamp_us last_ts = 0;
  std::uint64_t seq = 0;
  std::priority_queue<step, std::vector<step>, std::greater<step>> steps;

  std::uint64_t next_customer = 0;
  std::uint64_t next_product = 0;
  std::uint64_t next_order = 0;
  bool admin_done = false;
  std::uint64_t tail_from = 0;  // orders from here on are "recent"

  std::string admin_id;
  std::vector<std::string> customer_ids;  // registered so far
  std::vector<std::uint32_t> customer_orders;
  std::vector<item_sim> items;
  std::vector<std::uint32_t> regular;  // product numbers that are not scarce
  std::vector<std::uint32_t> scarce;
  std::unordered_map<std::uint64_t, order_sim> orders;  // live (not finished) orders
  std::unordered_map<std::uint64_t, cart_sim> carts;    // open carts, by cart number
  std::unordered_map<std::uint64_t, slot_claim> slots;  // by customer * 64 + slot
  std::uint64_t next_cart = 0;
  std::string last_delivered;
  double units_per_day = 0;

  explicit impl(history_options opts) : o(std::move(opts)), r(o.seed * 0x2545f4914f6cdd1dULL + 1) {
    if (o.customers == 0) o.customers = o.orders / 8 + 1;
    if (o.products == 0) o.products = std::min<std::uint64_t>(5000, o.orders / 50 + 20);
    span = std::max<timestamp_us>(us_per_day, static_cast<timestamp_us>(o.years * 365.25 * us_per_day));
    start = o.end - span;
    tail_from = o.orders - std::min<std::uint64_t>(o.orders, std::max<std::uint64_t>(4, o.orders / 500));
    stop_at = order_time(o.orders - 1) + us_per_min;
    customer_orders.reserve(o.customers);
    items.reserve(o.products);
    // Average units one order takes (lines x quantity, see pick_lines), spread
    // over the days: what the items' stock is sized and restocked for.
    units_per_day = static_cast<double>(o.orders) * 1.6 * 1.3 / (static_cast<double>(span) / us_per_day);
  }

  // ---- timeline -------------------------------------------------------------

  timestamp_us order_time(std::uint64_t k) const {
    // Evenly spread, each order in its own slot (so times only grow); the
    // jitter inside the slot is a hash of k, not a draw, so that the slot times
    // do not depend on the order in which they are asked for.
    const double slot = static_cast<double>(span) / static_cast<double>(o.orders);
    const double jitter = static_cast<double>((k * 0x9e3779b97f4a7c15ULL) >> 40) / static_cast<double>(1ULL << 24);
    return start + static_cast<timestamp_us>(slot * (static_cast<double>(k) + 0.9 * jitter));
  }
  // Early accounts and products come first; the shop keeps growing: customers
  // over 95% of the span, products over the first half.
  timestamp_us customer_time(std::uint64_t i) const {
    const double f = std::pow(static_cast<double>(i) / static_cast<double>(o.customers), 1.5);
    return start - us_per_day + static_cast<timestamp_us>(0.95 * static_cast<double>(span) * f);
  }
  timestamp_us product_time(std::uint64_t j) const {
    const double f = std::pow(static_cast<double>(j) / static_cast<double>(o.products), 2.0);
    return start - us_per_day + static_cast<timestamp_us>(0.5 * static_cast<double>(span) * f);
  }

  /// The timestamp of the next append: `at`, or just after the previous one,
  /// so that times grow with the log.
  timestamp_us stamp(timestamp_us at) {
    last_ts = std::max(at, last_ts + 1);
    return last_ts;
  }

  void schedule(timestamp_us at, step_kind k, std::uint64_t target, bool always = false,
                od::status to = od::status::processing) {
    step s;
    s.at = at;
    s.seq = seq++;
    s.kind = k;
    s.always = always;
    s.target = target;
    s.to = to;
    steps.push(s);
  }

  // ---- appends --------------------------------------------------------------

  template <class Encode, class Event>
  void emit(const std::string& stream, es::stream_version& version, const std::vector<Event>& events,
            Encode encode, timestamp_us ts, const std::string& correlation, const std::string& actor,
            es::append_options options = {}) {
    if (events.empty()) return;
    planned_append a;
    a.stream = stream;
    a.expected = version;
    a.options = options;
    a.events.reserve(events.size());
    for (const auto& e : events) {
      auto enc = encode(e);
      es::new_event n;
      n.id = make_v7(ts, r);
      n.type = std::move(enc.type);
      n.schema_version = enc.schema_version;
      n.data = std::move(enc.data);
      n.correlation_id = correlation;
      n.actor = actor;
      n.timestamp = ts;
      a.events.push_back(std::move(n));
    }
    version += events.size();
    counts.events += events.size();
    ++counts.appends;
    out.push_back(std::move(a));
  }

  void fail(const std::string& what, const dom::domain_error& e) {
    if (error.empty()) error = what + ": " + e.message;
  }

  // ---- accounts and products --------------------------------------------------

  /// claim-<key> then customer-<id>, as the customer actor's claim_first does.
  void register_account(const std::string& id, const std::string& email, const std::string& name,
                        dom::customer::role role, timestamp_us at, const std::string& correlation,
                        const std::string& actor) {
    const timestamp_us t1 = stamp(at);
    dom::claim::state cs;
    auto claimed = dom::claim::decide(cs, dom::claim::claim{id, t1});
    if (!claimed) return fail("claim " + email, claimed.error());
    es::stream_version cv = 0;
    auto key = dom::customer::normalize_email(email);
    if (!key) return fail("e-mail " + email, key.error());
    emit("claim-email:" + *key, cv, *claimed, [](const auto& e) { return dom::claim::encode(e); }, t1, correlation,
         actor);
    const timestamp_us t2 = stamp(at);
    dom::customer::state s;
    auto reg = dom::customer::decide(s, dom::customer::register_customer{id, email, o.password_hash, name, role, t2});
    if (!reg) return fail("register " + email, reg.error());
    es::stream_version v = 0;
    emit("customer-" + id, v, *reg, [](const auto& e) { return dom::customer::encode(e); }, t2, correlation, actor);
    ++counts.customers;
  }

  void add_admin() {
    const timestamp_us at = start - 2 * us_per_day;
    admin_id = make_v7(at, r).to_string();
    register_account(admin_id, admin_email(o.seed), "Shop Admin", dom::customer::role::admin, at, "agoractl",
                     "agoractl");
    admin_done = true;
  }

  void add_customer() {
    const std::uint64_t i = next_customer++;
    const timestamp_us at = customer_time(i);
    const std::string id = make_v7(at, r).to_string();
    // One draw per statement: the operands of + are evaluated in no fixed order.
    const std::string first = pick(first_names, r);
    const std::string name = first + " " + pick(last_names, r);
    register_account(id, customer_email(o.seed, i), name, dom::customer::role::customer, at, make_v4(r), "");
    customer_ids.push_back(id);
    customer_orders.push_back(0);
  }

  void add_product() {
    const std::uint64_t j = next_product++;
    const timestamp_us at = product_time(j);
    const std::string correlation = make_v4(r);
    item_sim it;
    it.product_id = make_v7(at, r).to_string();
    const std::string sku = product_sku(j);
    // One product in a hundred is a rarity: little stock, never restocked, so
    // the orders that want it are rejected (out of stock) as in a real shop.
    it.scarce = j % 100 == 7;
    it.price = dom::money{static_cast<std::int64_t>(r.between(2, 400)) * 100 - 1, "EUR"};

    dom::product::create c;
    c.product_id = it.product_id;
    c.sku = sku;
    const std::string adjective = pick(adjectives, r);
    c.name = adjective + " " + pick(nouns, r) + " " + std::to_string(j);
    c.description = "A " + c.name + " of the " + std::to_string(2016 + j % 10) +
                    " collection, made to last and easy to care for.";
    c.price = it.price;
    c.category = pick(categories, r);
    c.image_urls = {"https://img.example.com/p/" + sku + ".jpg"};

    const timestamp_us t1 = stamp(at);
    c.now = t1;
    dom::claim::state cs;
    auto claimed = dom::claim::decide(cs, dom::claim::claim{it.product_id, t1});
    if (!claimed) return fail("claim " + sku, claimed.error());
    es::stream_version cv = 0;
    emit("claim-sku:" + sku, cv, *claimed, [](const auto& e) { return dom::claim::encode(e); }, t1, correlation,
         admin_id);
    const timestamp_us t2 = stamp(at);
    c.now = t2;
    auto created = dom::product::decide(dom::product::state{}, dom::product::command{c});
    if (!created) return fail("create " + sku, created.error());
    es::stream_version pv = 0;
    emit("product-" + it.product_id, pv, *created, [](const auto& e) { return dom::product::encode(e); }, t2,
         correlation, admin_id);
    ++counts.products;

    // Stock for about three months of this product's expected demand (the
    // popular ones get more), with a low-stock alert at ten days of it.
    const double share = std::sqrt(static_cast<double>(j + 1) / static_cast<double>(o.products)) -
                         std::sqrt(static_cast<double>(j) / static_cast<double>(o.products));
    const double daily = units_per_day * share;
    it.initial = it.scarce ? 2 : std::max<std::int64_t>(50, static_cast<std::int64_t>(daily * 90));
    const std::int64_t threshold = it.scarce ? 0 : std::max<std::int64_t>(5, static_cast<std::int64_t>(daily * 10));
    it.stream = "inventory-" + sku;
    const timestamp_us t3 = stamp(at);
    it.last_restock = t3;
    items.push_back(std::move(it));
    auto& item = items.back();
    auto reg = inventory_command(item, inv::register_item{sku, item.initial, threshold, t3}, t3, correlation, admin_id);
    if (!reg) return fail("register " + sku, reg.error());
    (item.scarce ? scarce : regular).push_back(static_cast<std::uint32_t>(j));
  }

  std::string product_sku(std::uint64_t j) const {
    std::string n = std::to_string(j);
    if (n.size() < 6) n.insert(0, 6 - n.size(), '0');
    return "SKU-" + std::to_string(o.seed) + "-" + n;
  }

  // ---- inventory --------------------------------------------------------------

  /// Runs `cmd` on the item and appends what it decides; then what the item's
  /// actor does on its own afterwards (forgetting settled orders).
  dom::decision<inv::event> inventory_command(item_sim& it, const inv::command& cmd, timestamp_us ts,
                                              const std::string& correlation, const std::string& actor) {
    auto d = inv::decide(it.s, cmd);
    if (!d) return d;
    for (const auto& e : *d) inv::evolve(it.s, e);
    // hooks<inventory_kind>::wakeup: the next hold expiry, so that holds
    // expire after a restart too.
    es::append_options ao;
    const auto want = it.s.next_hold_expiry();
    if (!d->empty()) wakeup_change(ao, it.wakeup, want);
    emit(it.stream, it.version, *d, [](const auto& e) { return inv::encode(e); }, ts, correlation, actor, ao);
    forget_settled(it, ts);
    return d;
  }

  /// hooks<inventory_kind>::on_ready: forget orders settled longer ago than
  /// the retention, at most once a second unless an event came out full.
  void forget_settled(item_sim& it, timestamp_us now) {
    const timestamp_us retention = o.reservation_retention;
    while (retention > 0 && !it.s.settled.empty() && now >= it.next_forget &&
           it.s.settled.begin()->first < now - retention) {
      it.next_forget = now + std::min<timestamp_us>(us_per_s, std::max<timestamp_us>(1, retention / 4));
      const timestamp_us cutoff = now - retention;
      const timestamp_us ts = stamp(now);
      auto d = inv::decide(it.s, inv::forget_settled{cutoff, ts});
      if (!d) return fail("forget on " + it.s.sku, d.error());
      for (const auto& e : *d) inv::evolve(it.s, e);
      emit(it.stream, it.version, *d, [](const auto& e) { return inv::encode(e); }, ts, it.stream, "");
      if (!it.s.settled.empty() && it.s.settled.begin()->first < cutoff) {
        it.next_forget = 0;  // a full event: more are due
      } else {
        break;
      }
    }
  }

  /// An administrator restocks after the low-stock alert, some hours later,
  /// with about two months of what the item has been selling.
  void maybe_restock(std::uint32_t j, timestamp_us now) {
    auto& it = items[j];
    if (it.scarce || it.restock_pending) return;
    const double days = std::max(1.0, static_cast<double>(now - it.last_restock) / us_per_day);
    const double rate = static_cast<double>(it.units_since_restock) / days;
    const auto trigger = std::max<std::int64_t>(it.s.low_stock_threshold, static_cast<std::int64_t>(rate * 2));
    if (it.s.available() > trigger) return;
    it.restock_pending = true;
    schedule(now + r.between(2 * us_per_h, 12 * us_per_h), step_kind::restock, j);
  }

  void restock(std::uint32_t j, timestamp_us at) {
    auto& it = items[j];
    it.restock_pending = false;
    const timestamp_us ts = stamp(at);
    const double days = std::max(1.0, static_cast<double>(ts - it.last_restock) / us_per_day);
    const double rate = static_cast<double>(it.units_since_restock) / days;
    const std::int64_t qty =
        std::min<std::int64_t>(inv::max_quantity / 4, std::max<std::int64_t>(it.initial, static_cast<std::int64_t>(rate * 60)));
    auto d = inventory_command(it, inv::receive_stock{qty, ts}, ts, make_v4(r), admin_id);
    if (!d) return fail("restock " + it.s.sku, d.error());
    ++counts.restocks;
    it.units_since_restock = 0;
    it.last_restock = ts;
  }

  // ---- orders -------------------------------------------------------------------

  /// The wake-up change an append carries (as aggregate_actor writes it: only
  /// when it differs from what the store holds), and what the store then holds.
  static void wakeup_change(es::append_options& ao, std::optional<timestamp_us>& held,
                            std::optional<timestamp_us> want) {
    if (want && want != held) {
      ao.wakeup = es::append_options::wakeup_change::set;
      ao.wakeup_at = *want;
    } else if (!want && held) {
      ao.wakeup = es::append_options::wakeup_change::clear;
    }
    held = want;
  }

  void count_status(od::status from, od::status to, bool existed) {
    if (existed) --counts.by_status[static_cast<std::size_t>(from)];
    ++counts.by_status[static_cast<std::size_t>(to)];
  }

  /// Runs `cmd` on the order and appends what it decides, with the wake-up
  /// change the order actor would write (set while collecting outcomes and
  /// while awaiting payment, cleared after).
  bool order_command(order_sim& os, const od::command& cmd, timestamp_us ts, const std::string& correlation,
                     const std::string& actor) {
    auto d = od::decide(os.s, cmd);
    if (!d) {
      fail("order " + os.s.order_id + " (" + od::to_string(os.s.current) + ")", d.error());
      return false;
    }
    const bool existed = os.s.exists;
    const od::status before = os.s.current;
    for (const auto& e : *d) od::evolve(os.s, e);
    if (!existed || before != os.s.current) count_status(before, os.s.current, existed);
    std::optional<timestamp_us> want;
    if (dom::order_saga::collecting_outcomes(os.s)) {
      want = 0;
    } else {
      want = os.s.pending_payment_deadline();
    }
    es::append_options ao;
    if (!d->empty()) wakeup_change(ao, os.wakeup, want);
    emit(os.stream, os.version, *d, [](const auto& e) { return od::encode(e); }, ts, correlation, actor, ao);
    return true;
  }

  std::uint32_t pick_product() {
    // Popular products sell more: the square skews picks to the first ones
    // created (about 2% of lines go to the first of 2,000 products).
    const double u = r.unit();
    return regular[static_cast<std::size_t>(static_cast<double>(regular.size()) * u * u)];
  }

  /// A customer, skewed: a few order a lot (the cube: the first account gets
  /// about 2% of the orders of 125,000 customers), most a handful.
  std::uint64_t pick_customer() {
    const double u = r.unit();
    return static_cast<std::uint64_t>(static_cast<double>(customer_ids.size()) * u * u * u);
  }

  /// 1-4 distinct products (60% one), 1-3 units each (80% one); now and then
  /// one of the rarities as well.
  std::vector<wanted_line> pick_lines(std::size_t max_lines = 4) {
    std::vector<wanted_line> picked;
    const double nl = r.unit();
    const std::size_t lines = std::min<std::size_t>(max_lines, nl < 0.6 ? 1 : nl < 0.85 ? 2 : nl < 0.95 ? 3 : 4);
    for (std::size_t i = 0; i < lines * 3 && picked.size() < lines; ++i) {
      const std::uint32_t j = pick_product();
      const double q = r.unit();
      if (std::any_of(picked.begin(), picked.end(), [j](const wanted_line& w) { return w.product == j; })) continue;
      picked.push_back(wanted_line{j, q < 0.8 ? 1 : q < 0.95 ? 2 : 3});
    }
    if (!scarce.empty() && r.below(1000) < 15) picked.push_back(wanted_line{scarce[r.below(scarce.size())], 1});
    return picked;
  }

  fate pick_fate(std::uint64_t k) {
    const double f = r.unit();
    if (k >= tail_from) return k % 2 == 0 ? fate::stay_confirmed : fate::deliver;
    return f < 0.03   ? fate::deadline
           : f < 0.05 ? fate::cancel_unpaid
           : f < 0.08 ? fate::cancel_paid
           : f < 0.10 ? fate::decline_first
                      : fate::deliver;
  }

  /// Order k arrives: placed at once (POST /api/orders), or through a cart
  /// filled now and checked out a few minutes later. Some arrivals also
  /// leave a cart behind that is never checked out.
  void arrive() {
    const std::uint64_t k = next_order++;
    const timestamp_us at = order_time(k);
    const std::uint64_t c = pick_customer();
    auto lines = pick_lines();
    const fate f = pick_fate(k);
    if (o.abandoned_carts > 0 && r.below(100) < o.abandoned_carts &&
        at + o.cart_hold_ttl + us_per_min < stop_at) {
      auto gone = pick_lines(2);
      open_cart(pick_customer(), gone, at, /*abandoned=*/true, 0, fate::deliver);
    }
    if (o.cart_share > 0 && r.below(100) < o.cart_share && open_cart(c, lines, at, false, k, f)) return;
    place_now(k, c, lines, f, at);
  }

  /// Places order k directly (POST /api/orders: OrderPlaced), then the saga
  /// reserves its lines.
  void place(std::uint64_t k, std::uint64_t c, const std::vector<wanted_line>& lines, fate f, timestamp_us ts,
             const std::string& correlation) {
    order_sim os;
    os.customer = c;
    os.f = f;
    od::place p;
    p.order_id = make_v7(ts, r).to_string();
    p.customer_id = customer_ids[c];
    p.currency = "EUR";
    p.now = ts;
    for (const auto& w : lines) {
      p.lines.push_back(od::line_input{items[w.product].s.sku, w.quantity, items[w.product].price});
      os.line_products.push_back(w.product);
    }
    place_decided(k, std::move(os), std::move(p), ts, correlation);
  }

  /// place() at `at`, with a request id of its own (drawn in a fixed order:
  /// the order of evaluation of arguments is not).
  void place_now(std::uint64_t k, std::uint64_t c, const std::vector<wanted_line>& lines, fate f, timestamp_us at) {
    const timestamp_us ts = stamp(at);
    const std::string correlation = make_v4(r);
    place(k, c, lines, f, ts, correlation);
  }

  /// Records the placement and starts the saga.
  void place_decided(std::uint64_t k, order_sim os, od::place p, timestamp_us ts, const std::string& correlation) {
    os.stream = "order-" + p.order_id;
    const std::uint64_t c = os.customer;
    if (!order_command(os, od::command{std::move(p)}, ts, correlation, customer_ids[c])) return;
    ++counts.orders;
    ++customer_orders[c];
    orders.emplace(k, std::move(os));
    schedule(ts + 3000, step_kind::reserve, k, /*always=*/true);
  }

  // ---- carts ------------------------------------------------------------------

  std::string slot_stream(std::uint64_t c, std::int64_t n) const {
    return "claim-cart-slot:" + customer_ids[c] + ":" + std::to_string(n);
  }

  /// POST /api/carts, then PUT .../items/{sku} per line: the cart claims one
  /// of its customer's open-cart slots, then each line holds its stock first
  /// (a line whose stock cannot be held is refused and left out). False when
  /// the customer has no free slot (the order is then placed directly).
  bool open_cart(std::uint64_t c, const std::vector<wanted_line>& lines, timestamp_us at, bool abandoned,
                 std::uint64_t k, fate f) {
    std::int64_t n = 0;
    while (n < o.max_open_carts && slots[c * 64 + static_cast<std::uint64_t>(n)].taken) ++n;
    if (n >= o.max_open_carts) return false;
    const std::string& customer = customer_ids[c];
    cart_sim cs;
    cs.customer = c;
    cs.slot = n;
    cs.abandoned = abandoned;
    cs.order = k;
    cs.f = f;
    timestamp_us ts = stamp(at);
    const std::string cart_id = make_v7(ts, r).to_string();
    cs.stream = "cart-" + cart_id;
    const std::string correlation = make_v4(r);

    auto& slot = slots[c * 64 + static_cast<std::uint64_t>(n)];
    auto claimed = dom::claim::decide(dom::claim::state{}, dom::claim::claim{cart_id, ts});
    if (!claimed) {
      fail("claim a cart slot", claimed.error());
      return false;
    }
    emit(slot_stream(c, n), slot.version, *claimed, [](const auto& e) { return dom::claim::encode(e); }, ts,
         correlation, customer);
    slot.taken = true;
    ts = stamp(at);
    if (!cart_command(cs, cd::create{cart_id, customer, ts, ts + o.cart_hold_ttl, n}, ts, correlation, customer)) {
      return false;
    }
    for (const auto& w : lines) {
      auto& it = items[w.product];
      const std::string line_corr = make_v4(r);
      const timestamp_us t = stamp(at);
      auto held = inventory_command(it,
                                    inv::hold_for_cart{cart_id, w.quantity, t + o.cart_hold_ttl, t, customer,
                                                       o.max_units_per_customer},
                                    t, line_corr, customer);
      if (!held) {
        cs.refused.push_back(w);
        continue;
      }
      const timestamp_us t2 = stamp(at);
      if (!cart_command(cs, cd::set_line_quantity{it.s.sku, w.quantity, it.price, t + o.cart_hold_ttl, t2}, t2,
                        line_corr, customer)) {
        return false;
      }
      cs.held.push_back(w.product);
    }
    if (cs.held.empty()) cs.abandoned = true;  // nothing to buy here after all
    const std::uint64_t id = next_cart++;
    if (cs.abandoned) {
      // The cart's timer, at its deadline.
      schedule(*cs.s.expires_at + 1000, step_kind::cart_lapse, id, /*always=*/true);
      ++counts.abandoned_carts;
    } else {
      schedule(last_ts + r.between(30 * us_per_s, 4 * us_per_min), step_kind::checkout, id, /*always=*/true);
    }
    carts.emplace(id, std::move(cs));
    // An order whose cart came to nothing is placed directly.
    if (!abandoned && carts.at(id).abandoned) place_now(k, c, lines, f, at);
    return true;
  }

  bool cart_command(cart_sim& cs, const cd::command& cmd, timestamp_us ts, const std::string& correlation,
                    const std::string& actor) {
    auto d = cd::decide(cs.s, cmd);
    if (!d) {
      fail("cart " + cs.stream, d.error());
      return false;
    }
    for (const auto& e : *d) cd::evolve(cs.s, e);
    emit(cs.stream, cs.version, *d, [](const auto& e) { return cd::encode(e); }, ts, correlation, actor);
    return true;
  }

  /// A closed cart gives its slot back (release_claim: no request context).
  void release_slot(const cart_sim& cs, timestamp_us at) {
    auto& slot = slots[cs.customer * 64 + static_cast<std::uint64_t>(cs.slot)];
    const timestamp_us ts = stamp(at);
    dom::claim::state held;
    held.owner = cs.s.cart_id;
    auto released = dom::claim::decide(held, dom::claim::release{cs.s.cart_id, ts});
    if (!released) return fail("release a cart slot", released.error());
    emit(slot_stream(cs.customer, cs.slot), slot.version, *released,
         [](const auto& e) { return dom::claim::encode(e); }, ts, "", "");
    slot.taken = false;
  }

  /// POST /api/carts/{id}/checkout: CartCheckedOut, the slot given back, and
  /// the order placed with the cart's lines (its reservations convert the
  /// holds).
  void checkout(std::uint64_t id, timestamp_us at) {
    auto node = carts.extract(id);
    auto& cs = node.mapped();
    const timestamp_us ts = stamp(at);
    const std::string correlation = make_v4(r);
    const std::string& customer = customer_ids[cs.customer];
    const std::string order_id = make_v7(ts, r).to_string();
    if (!cart_command(cs, cd::checkout{order_id, ts}, ts, correlation, customer)) return;
    release_slot(cs, at);
    std::vector<od::line_input> lines;
    std::vector<wanted_line> wanted;
    for (const auto& l : cs.s.line_list()) lines.push_back(od::line_input{l.sku, l.quantity, l.unit_price});
    for (const auto j : cs.held) wanted.push_back(wanted_line{j, 0});
    ++counts.cart_orders;
    order_sim os;
    os.customer = cs.customer;
    os.f = cs.f;
    for (const auto& l : lines) {
      const auto w = std::find_if(wanted.begin(), wanted.end(),
                                  [&](const wanted_line& x) { return items[x.product].s.sku == l.sku; });
      os.line_products.push_back(w->product);
    }
    od::place p;
    p.order_id = order_id;
    p.customer_id = customer;
    p.currency = "EUR";
    p.cart_id = cs.s.cart_id;
    p.lines = std::move(lines);
    const timestamp_us t = stamp(at);
    p.now = t;
    place_decided(cs.order, std::move(os), std::move(p), t, correlation);
  }

  /// The cart's timer: CartExpired, the slot given back, the holds released.
  void cart_lapse(std::uint64_t id, timestamp_us at) {
    auto node = carts.extract(id);
    auto& cs = node.mapped();
    const timestamp_us ts = stamp(at);
    if (!cart_command(cs, cd::expire{ts}, ts, cs.stream, "")) return;
    release_slot(cs, at);
    for (const auto j : cs.held) {
      auto& it = items[j];
      const timestamp_us t = stamp(at);
      auto d = inventory_command(it, inv::release_hold{cs.s.cart_id, t}, t, "", "");
      if (!d) return fail("release a hold on " + it.s.sku, d.error());
    }
  }

  /// The saga: reserve every line, record each outcome; the last confirms or
  /// rejects the order; a rejected order's reservations are released.
  void reserve(std::uint64_t k, timestamp_us at) {
    auto& os = orders.at(k);
    const std::string order_corr = os.s.order_id;
    for (const auto& req : dom::order_saga::pending_reservations(os.s)) {
      const auto j = static_cast<std::uint32_t>(
          os.line_products[static_cast<std::size_t>(os.s.find_line(req.sku) - os.s.lines.data())]);
      auto& it = items[j];
      const timestamp_us t1 = stamp(at);
      auto res = inventory_command(it, dom::order_saga::reservation_command(req, t1, o.max_units_per_customer), t1,
                                   order_corr, "");
      const timestamp_us t2 = stamp(at);
      if (res) {
        it.units_since_restock += req.quantity;
        it.units_ordered += static_cast<std::uint64_t>(req.quantity);
        maybe_restock(j, t1);
        if (!order_command(os, od::record_line_reserved{req.sku, t2, o.payment_deadline}, t2, os.stream, "")) return;
      } else {
        if (!order_command(os, od::record_line_rejected{req.sku, res.error().message, t2}, t2, os.stream, "")) return;
      }
    }
    if (os.s.current == od::status::rejected) {
      compensate(os, at);
      return finish(k);
    }
    const timestamp_us now = last_ts;
    switch (os.f) {
      case fate::deliver:
      case fate::decline_first:
      case fate::cancel_paid:
        schedule(now + (k >= tail_from ? r.between(10 * us_per_s, 40 * us_per_s)
                                       : r.between(us_per_min, 15 * us_per_min)),
                 step_kind::pay, k);
        break;
      case fate::cancel_unpaid:
        schedule(now + r.between(us_per_min, 20 * us_per_min), step_kind::cancel, k);
        break;
      case fate::deadline:
        schedule(*os.s.payment_due_at + 1000, step_kind::expire, k);
        break;
      case fate::stay_confirmed:
        break;
    }
  }

  void compensate(order_sim& os, timestamp_us at) {
    for (const auto& sku : dom::order_saga::compensations(os.s)) {
      const auto idx = static_cast<std::size_t>(os.s.find_line(sku) - os.s.lines.data());
      auto& it = items[os.line_products[idx]];
      const timestamp_us ts = stamp(at);
      auto d = inventory_command(it, dom::order_saga::compensation_command(os.s, ts), ts, os.s.order_id, "");
      if (!d) return fail("compensation on " + sku, d.error());
    }
  }

  void pay(std::uint64_t k, timestamp_us at) {
    auto& os = orders.at(k);
    const timestamp_us ts = stamp(at);
    const std::string correlation = make_v4(r);
    const std::string& customer = customer_ids[os.customer];
    if (os.f == fate::decline_first && !os.declined) {
      os.declined = true;
      od::record_payment p{false, "simulated-" + make_v4(r), os.s.total,
                           "declined by the simulated provider (method \"decline\")", ts};
      if (!order_command(os, od::command{std::move(p)}, ts, correlation, customer)) return;
      ++counts.payment_declines;
      schedule(ts + r.between(us_per_min, 10 * us_per_min), step_kind::pay, k);
      return;
    }
    od::record_payment p{true, "simulated-" + make_v4(r), os.s.total, "", ts};
    if (!order_command(os, od::command{std::move(p)}, ts, correlation, customer)) return;
    if (os.f == fate::cancel_paid) {
      if (r.below(2) == 0) schedule(ts + r.between(us_per_h, 8 * us_per_h), step_kind::fulfil, k, false);
      schedule(ts + r.between(10 * us_per_h, 40 * us_per_h), step_kind::cancel, k);
      return;
    }
    schedule(ts + r.between(2 * us_per_h, 24 * us_per_h), step_kind::fulfil, k, false, od::status::processing);
  }

  void fulfil(std::uint64_t k, od::status to, timestamp_us at) {
    auto& os = orders.at(k);
    if (!od::next_status_allowed(os.s.current, to)) return;  // cancelled meanwhile
    const timestamp_us ts = stamp(at);
    od::change_status c{to, ts};
    if (!order_command(os, od::command{c}, ts, make_v4(r), admin_id)) return;
    if (to == od::status::shipped) {
      // hooks<order_kind>::commit_reservations: the stock leaves the warehouse.
      for (std::size_t i = 0; i < os.s.lines.size(); ++i) {
        auto& it = items[os.line_products[i]];
        const timestamp_us t = stamp(at);
        auto d = inventory_command(it, inv::commit_reservation{os.s.order_id, t}, t, os.s.order_id, "");
        if (!d) return fail("commit on " + it.s.sku, d.error());
      }
    }
    if (os.f == fate::cancel_paid) return;  // its cancel is on the way
    switch (to) {
      case od::status::processing:
        schedule(ts + r.between(12 * us_per_h, 72 * us_per_h), step_kind::fulfil, k, false, od::status::shipped);
        break;
      case od::status::shipped:
        schedule(ts + r.between(us_per_day, 5 * us_per_day), step_kind::fulfil, k, false, od::status::delivered);
        break;
      default:
        last_delivered = os.s.order_id;
        finish(k);
        break;
    }
  }

  /// A cancel by the customer (or, with `deadline`, the payment timer): then
  /// the saga gives the stock back and refunds what was paid.
  void cancel(std::uint64_t k, timestamp_us at, bool deadline) {
    auto& os = orders.at(k);
    const timestamp_us ts = stamp(at);
    bool ok = false;
    if (deadline) {
      ok = order_command(os, od::command{od::expire_payment{ts}}, ts, os.stream, "");
      if (ok && os.s.current == od::status::cancelled) ++counts.deadline_cancels;
    } else {
      if (!od::can_cancel(os.s.current)) return;
      ok = order_command(os, od::command{od::cancel{"cancelled by the customer", ts}}, ts, make_v4(r),
                         customer_ids[os.customer]);
    }
    if (!ok) return;
    compensate(os, at);
    if (const std::int64_t due = dom::order_saga::refund_due(os.s); due > 0) {
      const timestamp_us t = stamp(at + 200'000);
      od::record_refund rf{"simulated-refund-" + make_v4(r), dom::money{due, os.s.paid.currency}, t};
      if (!order_command(os, od::command{std::move(rf)}, t, os.stream, "")) return;
      ++counts.refunded;
    }
    finish(k);
  }

  void finish(std::uint64_t k) { orders.erase(k); }

  // ---- the loop -----------------------------------------------------------------

  /// Runs the next thing that happens; false when nothing is left.
  bool advance() {
    if (!admin_done) {
      add_admin();
      return true;
    }
    constexpr timestamp_us never = INT64_MAX;
    while (!steps.empty() && steps.top().at > stop_at && !steps.top().always) steps.pop();
    const timestamp_us t_step = steps.empty() ? never : steps.top().at;
    const timestamp_us t_cust = next_customer < o.customers ? customer_time(next_customer) : never;
    const timestamp_us t_prod = next_product < o.products ? product_time(next_product) : never;
    const timestamp_us t_order = next_order < o.orders ? order_time(next_order) : never;
    const timestamp_us t = std::min({t_step, t_cust, t_prod, t_order});
    if (t == never) return false;
    if (t == t_prod) {
      add_product();
    } else if (t == t_cust) {
      add_customer();
    } else if (t == t_order) {
      arrive();
    } else {
      const step s = steps.top();
      steps.pop();
      switch (s.kind) {
        case step_kind::reserve: reserve(s.target, s.at); break;
        case step_kind::pay: pay(s.target, s.at); break;
        case step_kind::fulfil: fulfil(s.target, s.to, s.at); break;
        case step_kind::cancel: cancel(s.target, s.at, false); break;
        case step_kind::expire: cancel(s.target, s.at, true); break;
        case step_kind::restock: restock(static_cast<std::uint32_t>(s.target), s.at); break;
        case step_kind::checkout: checkout(s.target, s.at); break;
        case step_kind::cart_lapse: cart_lapse(s.target, s.at); break;
      }
    }
    return true;
  }
};

history_plan::history_plan(history_options o) : impl_(std::make_unique<impl>(std::move(o))) {}
history_plan::~history_plan() = default;

bool history_plan::next(planned_append& out) {
  auto& m = *impl_;
  while (m.out.empty()) {
    if (!m.error.empty() || !m.advance()) return false;
  }
  if (!m.error.empty()) return false;
  out = std::move(m.out.front());
  m.out.pop_front();
  return true;
}

const std::string& history_plan::error() const noexcept { return impl_->error; }
const history_counts& history_plan::counts() const noexcept { return impl_->counts; }
const history_options& history_plan::options() const noexcept { return impl_->o; }

std::string history_plan::customer_email(std::uint64_t seed, std::uint64_t n) {
  return "customer" + std::to_string(n) + "." + std::to_string(seed) + "@shop.example.com";
}

std::string history_plan::admin_email(std::uint64_t seed) {
  return "admin." + std::to_string(seed) + "@shop.example.com";
}

history_samples history_plan::samples() const {
  const auto& m = *impl_;
  history_samples s;
  s.admin_id = m.admin_id;
  s.admin_email = admin_email(m.o.seed);
  if (!m.customer_orders.empty()) {
    const auto busy = static_cast<std::size_t>(
        std::max_element(m.customer_orders.begin(), m.customer_orders.end()) - m.customer_orders.begin());
    s.busy_customer_id = m.customer_ids[busy];
    s.busy_customer_email = customer_email(m.o.seed, busy);
    s.busy_customer_orders = m.customer_orders[busy];
  }
  s.order_id = m.last_delivered;
  const item_sim* best = nullptr;
  for (const auto& it : m.items) {
    if (best == nullptr || it.units_ordered > best->units_ordered) best = &it;
  }
  if (best != nullptr) {
    s.product_id = best->product_id;
    s.product_sku = best->s.sku;
  }
  return s;
}

std::vector<std::pair<std::string, es::snapshot>> history_plan::snapshots() const {
  std::vector<std::pair<std::string, es::snapshot>> out;
  for (const auto& it : impl_->items) {
    if (it.version < impl_->o.snapshot_every) continue;
    es::snapshot snap;
    snap.version = it.version;
    snap.schema_version = inv::state_schema_version;
    snap.state = inv::encode_state(it.s);
    out.emplace_back(it.stream, std::move(snap));
  }
  return out;
}

}  // namespace agora::bench
