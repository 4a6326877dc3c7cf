// The API's error answers: what a client learns, and what it must not.

#include <gtest/gtest.h>

#include "api/src/problems.hpp"

namespace agora::api {
namespace {

http::request a_request() {
  http::request r;
  r.method = http::method::post;
  r.path = "/api/orders";
  r.request_id = "req-42";
  return r;
}

TEST(Problems, ServerFailuresDoNotShowTheirInternalCause) {
  const std::string secret = "rocksdb: IO error: /var/lib/agora/store/000123.log: No space left on device";
  for (auto code : {actors::command_errc::storage, actors::command_errc::overloaded, actors::command_errc::unavailable,
                    actors::command_errc::timeout}) {
    actors::command_error e;
    e.code = code;
    e.message = secret;
    const auto r = detail::command_failed(a_request(), e);
    EXPECT_GE(r.status, 500) << static_cast<int>(code);
    EXPECT_EQ(r.body.find("rocksdb"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("/var/lib"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("req-42"), std::string::npos) << "the request id to quote: " << r.body;
  }
}

}  // namespace
}  // namespace agora::api
