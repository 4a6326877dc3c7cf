// The connection books: per-address caps, the global cap, and shedding the
// connection that waited longest for a request head. No sockets: connections
// are stand-ins.

#include "http/src/admission.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace agora::http {
namespace {

using verdict = connection_books::verdict;

struct conn {
  std::shared_ptr<int> self = std::make_shared<int>(0);
  std::shared_ptr<conn_mark> mark = std::make_shared<conn_mark>();
};

connection_books::admission admit(connection_books& b, conn& c, const std::string& ip = "192.0.2.1",
                                  bool exempt = false) {
  return b.admit(ip, exempt, c.self, c.mark);
}

TEST(Admission, PerAddressCapRefusesTheNextOneAndReleaseFreesIt) {
  connection_books books({/*max_connections=*/10, /*max_per_ip=*/2});
  conn a, b, c, other;
  auto first = admit(books, a);
  ASSERT_EQ(first.outcome, verdict::admitted);
  ASSERT_EQ(admit(books, b).outcome, verdict::admitted);
  EXPECT_EQ(admit(books, c).outcome, verdict::per_ip);
  EXPECT_EQ(admit(books, other, "192.0.2.2").outcome, verdict::admitted) << "another address has its own share";
  EXPECT_EQ(books.open(), 3u);
  EXPECT_EQ(books.release(first.id), 2u);
  EXPECT_EQ(admit(books, c).outcome, verdict::admitted);
}

TEST(Admission, TrustedProxiesAndZeroAreNotCappedPerAddress) {
  connection_books books({10, 1});
  conn a, b;
  ASSERT_EQ(admit(books, a, "10.0.0.1", /*exempt=*/true).outcome, verdict::admitted);
  EXPECT_EQ(admit(books, b, "10.0.0.1", /*exempt=*/true).outcome, verdict::admitted);

  connection_books uncapped({10, 0});
  conn c, d;
  ASSERT_EQ(admit(uncapped, c).outcome, verdict::admitted);
  EXPECT_EQ(admit(uncapped, d).outcome, verdict::admitted);
}

TEST(Admission, AtTheCapTheLongestWaitingConnectionIsShedOnce) {
  connection_books books({2, 0});
  conn busy, idle, newcomer, late;
  ASSERT_EQ(admit(books, busy).outcome, verdict::admitted);
  ASSERT_EQ(admit(books, idle).outcome, verdict::admitted);
  idle.mark->waiting_since = 100;  // waiting for a head, nothing in flight
  auto a = admit(books, newcomer);
  ASSERT_EQ(a.outcome, verdict::admitted);
  EXPECT_EQ(a.victim, idle.self) << "the one waiting for a head makes room";
  EXPECT_TRUE(idle.mark->shed_ordered);
  // The shed one is not chosen twice; with nobody else waiting, the next is refused.
  EXPECT_EQ(admit(books, late).outcome, verdict::global);
}

TEST(Admission, TheOldestWaiterIsChosenAndBusyOnesNever) {
  connection_books books({3, 0});
  conn a, b, c, newcomer;
  admit(books, a);
  admit(books, b);
  admit(books, c);
  b.mark->waiting_since = 50;
  c.mark->waiting_since = 20;
  auto got = admit(books, newcomer);
  ASSERT_EQ(got.outcome, verdict::admitted);
  EXPECT_EQ(got.victim, c.self);
  EXPECT_FALSE(a.mark->shed_ordered);
  EXPECT_FALSE(b.mark->shed_ordered);
}

TEST(Admission, AllBusyRefusesTheNewcomer) {
  connection_books books({1, 0});
  conn a, b;
  admit(books, a);
  EXPECT_EQ(admit(books, b).outcome, verdict::global);
  EXPECT_EQ(books.open(), 1u);
}

TEST(Admission, LiveListsTheConnectionsStillAlive) {
  connection_books books({10, 0});
  conn a;
  auto b = std::make_unique<conn>();
  admit(books, a);
  admit(books, *b);
  EXPECT_EQ(books.live().size(), 2u);
  b.reset();  // ended without releasing yet
  EXPECT_EQ(books.live().size(), 1u);
}

}  // namespace
}  // namespace agora::http
