#include "http/src/admission.hpp"

#include <limits>
#include <utility>

namespace agora::http {

connection_books::admission connection_books::admit(const std::string& peer_ip, bool exempt,
                                                     std::weak_ptr<void> conn, std::shared_ptr<conn_mark> mark) {
  admission a;
  std::lock_guard lock(mu_);
  const bool count_ip = !exempt && limits_.max_per_ip > 0;
  if (count_ip) {
    auto it = per_ip_.find(peer_ip);
    if (it != per_ip_.end() && it->second >= limits_.max_per_ip) {
      a.outcome = verdict::per_ip;
      return a;
    }
  }
  if (open_.load() >= limits_.max_connections) {
    entry* oldest = nullptr;
    std::int64_t oldest_since = std::numeric_limits<std::int64_t>::max();
    for (auto& [id, e] : entries_) {
      const std::int64_t since = e.mark->waiting_since.load(std::memory_order_relaxed);
      if (since != 0 && since < oldest_since && !e.mark->shed_ordered.load(std::memory_order_relaxed)) {
        oldest = &e;
        oldest_since = since;
      }
    }
    if (oldest == nullptr) {
      a.outcome = verdict::global;
      return a;
    }
    oldest->mark->shed_ordered.store(true, std::memory_order_relaxed);
    a.victim = oldest->conn.lock();  // null: it is being destroyed, its place is free already
  }
  a.id = next_id_++;
  entries_.emplace(a.id, entry{std::move(conn), std::move(mark), peer_ip, count_ip});
  if (count_ip) ++per_ip_[peer_ip];
  open_.fetch_add(1);
  return a;
}

void connection_books::rebind(std::uint64_t id, std::weak_ptr<void> conn) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it != entries_.end()) it->second.conn = std::move(conn);
}

std::size_t connection_books::release(std::uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return open_.load();
  if (it->second.ip_counted) {
    auto ip = per_ip_.find(it->second.ip);
    if (ip != per_ip_.end() && --ip->second == 0) per_ip_.erase(ip);
  }
  entries_.erase(it);
  return open_.fetch_sub(1) - 1;
}

std::vector<std::shared_ptr<void>> connection_books::live() const {
  std::vector<std::shared_ptr<void>> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, e] : entries_) {
    if (auto c = e.conn.lock()) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace agora::http
