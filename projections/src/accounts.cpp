// The accounts: customers by id and by e-mail.

#include "projections/src/accounts_model.hpp"

namespace agora::projections {

accounts_snapshot::accounts_snapshot(std::shared_ptr<const state> s) noexcept : s_(std::move(s)) {}

eventstore::log_position accounts_snapshot::position() const noexcept { return s_->position; }

std::shared_ptr<const account_view> accounts_snapshot::by_id(std::string_view customer_id) const {
  const auto* a = s_->by_id.find(std::string(customer_id));
  return a == nullptr ? nullptr : *a;
}

std::shared_ptr<const account_view> accounts_snapshot::by_email(std::string_view email) const {
  // The same normalization as registration, so the lookup key is the stored one.
  auto normalized = domain::customer::normalize_email(email);
  if (!normalized) return nullptr;
  const auto* a = s_->by_email.find(*normalized);
  return a == nullptr ? nullptr : *a;
}

std::size_t accounts_snapshot::count() const noexcept { return s_->by_id.size(); }

namespace detail {

accounts_model::accounts_model(std::shared_ptr<const accounts_snapshot>* slot) : slot_(slot) {}

void accounts_model::publish(eventstore::log_position position) {
  st_.position = position;
  std::atomic_store(slot_, std::make_shared<const accounts_snapshot>(
                               std::make_shared<const accounts_snapshot::state>(st_)));
}

void accounts_model::apply(const decoded_event& e) {
  namespace cd = domain::customer;
  const auto* ev = std::get_if<cd::event>(&e.event);
  if (ev == nullptr) return;
  const std::string id(e.id);
  std::shared_ptr<account_view> next;
  if (const auto* r = std::get_if<cd::customer_registered>(ev)) {
    if (st_.by_id.find(id) != nullptr) return;  // registered twice cannot happen; ignore
    next = std::make_shared<account_view>();
    next->id = id;
    next->email = r->email;
    next->name = r->name;
    next->role = cd::to_string(r->account_role);
    next->password_hash = r->password_hash;
    next->created_at = r->at;
    next->updated_at = r->at;
  } else {
    const auto* cur = st_.by_id.find(id);
    if (cur == nullptr) return;
    next = std::make_shared<account_view>(**cur);
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
  const std::string email_key = key ? std::move(*key) : next->email;
  const auto* holder = st_.by_email.find(email_key);
  if (holder == nullptr || (*holder)->id == id) st_.by_email.put(email_key, next);
  st_.by_id.put(id, std::move(next));
}

}  // namespace detail
}  // namespace agora::projections
