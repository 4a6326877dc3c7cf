// Framing checks of a request head (RFC 9112 sections 3.2, 6.1, 6.3).

#include "http/src/framing.hpp"

#include <gtest/gtest.h>

namespace agora::http {
namespace {

request_head_facts head(std::vector<std::string_view> te, std::size_t cl = 0, std::size_t host = 1,
                        unsigned version = 11) {
  request_head_facts f;
  f.version = version;
  f.transfer_encoding = std::move(te);
  f.content_length_fields = cl;
  f.host_fields = host;
  return f;
}

int status_of(const request_head_facts& f) {
  auto p = check_request_head(f);
  return p ? p->status : 0;
}

TEST(RequestFraming, ChunkedLastIsTheOnlyTransferEncodingAccepted) {
  EXPECT_EQ(status_of(head({})), 0);
  EXPECT_EQ(status_of(head({}, 1)), 0);
  EXPECT_EQ(status_of(head({"chunked"})), 0);
  EXPECT_EQ(status_of(head({"Chunked "})), 0);
  EXPECT_EQ(status_of(head({"xchunked"})), 400);
  EXPECT_EQ(status_of(head({"gzip"})), 400);
  EXPECT_EQ(status_of(head({"identity"})), 400);
  EXPECT_EQ(status_of(head({"chunked, gzip"})), 400);
  EXPECT_EQ(status_of(head({"chunked", "gzip"})), 400);
  EXPECT_EQ(status_of(head({"chunked, chunked"})), 400);
  EXPECT_EQ(status_of(head({""})), 400);
  EXPECT_EQ(status_of(head({" , "})), 400);
  EXPECT_EQ(status_of(head({"gzip, chunked"})), 501);
  EXPECT_EQ(status_of(head({"gzip", "chunked"})), 501);
}

TEST(RequestFraming, TransferEncodingWithContentLengthIsRefused) {
  EXPECT_EQ(status_of(head({"chunked"}, 1)), 400);
  EXPECT_EQ(status_of(head({"gzip"}, 1)), 400);
  EXPECT_NE(check_request_head(head({"chunked"}, 1))->detail.find("Content-Length"), std::string::npos);
}

TEST(RequestFraming, TransferEncodingInHttp10IsRefused) {
  EXPECT_EQ(status_of(head({"chunked"}, 0, 1, 10)), 400);
}

TEST(RequestFraming, ExactlyOneHost) {
  EXPECT_EQ(status_of(head({}, 0, 0)), 400);
  EXPECT_EQ(status_of(head({}, 0, 2)), 400);
  EXPECT_EQ(status_of(head({}, 0, 0, 10)), 0);  // HTTP/1.0 may leave it out
  EXPECT_EQ(status_of(head({}, 0, 2, 10)), 400);
}

TEST(RequestFraming, DetailShowsOnlyPrintableClientText) {
  auto p = check_request_head(head({"g\x01zip, chunked"}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->detail.find('\x01'), std::string::npos);
}

}  // namespace
}  // namespace agora::http
