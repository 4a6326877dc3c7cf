// The accounts: customers by id and by e-mail, on disk (accounts_model.hpp).

#include "projections/src/accounts_model.hpp"
#include "projections/src/codec.hpp"

namespace agora::projections {

namespace {

std::string id_key(std::string_view id) { return "i" + std::string(id); }
std::string email_key(std::string_view email) { return "e" + std::string(email); }

std::shared_ptr<const account_view> account_from(const std::optional<std::string>& bytes) {
  if (!bytes) return nullptr;
  auto a = std::make_shared<account_view>();
  if (!detail::decode_account(*bytes, *a)) return nullptr;
  return a;
}

}  // namespace

accounts_snapshot::accounts_snapshot(std::shared_ptr<const state> s) noexcept : s_(std::move(s)) {}

eventstore::log_position accounts_snapshot::position() const noexcept { return s_->position; }

std::shared_ptr<const account_view> accounts_snapshot::by_id(std::string_view customer_id) const {
  if (!s_->view || customer_id.empty()) return nullptr;
  return account_from(s_->view->get(id_key(customer_id)));
}

std::shared_ptr<const account_view> accounts_snapshot::by_email(std::string_view email) const {
  if (!s_->view) return nullptr;
  // The same normalization as registration, so the lookup key is the stored one.
  auto normalized = domain::customer::normalize_email(email);
  if (!normalized) return nullptr;
  auto id = s_->view->get(email_key(*normalized));
  if (!id) return nullptr;
  return by_id(*id);
}

std::size_t accounts_snapshot::count() const noexcept { return s_->count; }

namespace detail {

accounts_model::accounts_model(std::shared_ptr<const accounts_snapshot>* slot, kv_writer store)
    : slot_(slot), store_(std::move(store)) {}

agora::expected<void, std::string> accounts_model::load() { return count_.load(store_); }

void accounts_model::flush(rocksdb::WriteBatch& batch) {
  count_.flush(store_);
  store_.flush(batch);
}

void accounts_model::publish(eventstore::log_position position, const snapshot_ptr& snap) {
  auto st = std::make_shared<accounts_snapshot::state>();
  st->position = position;
  st->view = store_.view(snap);
  st->count = count_.value();
  std::atomic_store(slot_, std::make_shared<const accounts_snapshot>(std::move(st)));
}

void accounts_model::apply(const decoded_event& e) {
  namespace cd = domain::customer;
  const auto* ev = std::get_if<cd::event>(&e.event);
  if (ev == nullptr) return;
  const std::string id(e.id);
  auto current = account_from(store_.get(id_key(id)));
  std::shared_ptr<account_view> next;
  if (const auto* r = std::get_if<cd::customer_registered>(ev)) {
    if (current != nullptr) return;  // registered twice cannot happen; ignore
    next = std::make_shared<account_view>();
    next->id = id;
    next->email = r->email;
    next->name = r->name;
    next->role = cd::to_string(r->account_role);
    next->password_hash = r->password_hash;
    next->created_at = r->at;
    next->updated_at = r->at;
    count_.increment();
  } else {
    if (current == nullptr) return;
    next = std::make_shared<account_view>(*current);
    if (const auto* n = std::get_if<cd::customer_name_changed>(ev)) {
      next->name = n->name;
      next->updated_at = n->at;
    } else if (const auto* p = std::get_if<cd::password_changed>(ev)) {
      next->password_hash = p->password_hash;
      next->updated_at = p->at;
      // A rehash is the same password at a new cost: tokens stay valid.
      if (!p->rehash) ++next->token_version;
    } else if (const auto* rc = std::get_if<cd::role_changed>(ev)) {
      next->role = cd::to_string(rc->to);
      next->updated_at = rc->at;
      ++next->token_version;
    } else if (const auto* t = std::get_if<cd::tokens_revoked>(ev)) {
      next->updated_at = t->at;
      ++next->token_version;
    }
  }
  next->version = e.view->version;
  // Keyed by today's normalisation of the stored address, the key by_email()
  // looks up: an account registered under an older normalisation (`Ä@x.de`
  // kept its capital) is still found. Where two old accounts now share a key,
  // the first registered keeps it (as its claim would have).
  auto key = domain::customer::normalize_email(next->email);
  const std::string ekey = email_key(key ? *key : next->email);
  const auto holder = store_.get(ekey);
  if (!holder || *holder == id) store_.put(ekey, id);
  std::string bytes;
  encode_account(*next, bytes);
  store_.put(id_key(id), std::move(bytes));
}

}  // namespace detail
}  // namespace agora::projections
