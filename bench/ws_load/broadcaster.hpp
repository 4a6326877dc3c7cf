#pragma once
// Drives the broadcast rate: HTTP POSTs to the server under test, paced on a
// fixed schedule (open loop), each tagged with a sequence number and its send time.
#include "latency_histogram.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace agora::bench {

/// Where the POSTs go and what they look like.
struct broadcaster_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/broadcast";
  std::string bearer_token;  ///< non-empty: agorad's admin route, body {"title","body","level"}
  std::size_t connections = 8;
  std::string filler = "The bench broadcasts this text to every subscriber of the channel.";
};

/// What one step of POSTs did.
struct post_result {
  std::uint64_t sent = 0;
  std::uint64_t accepted = 0;  ///< answered 2xx
  std::uint64_t failed = 0;    ///< any other answer, or no answer
  std::string first_error;
  double seconds = 0;          ///< from the first POST's slot to the last answer
  std::uint64_t late = 0;      ///< POSTs written more than 10 ms after their slot (the server held the sender up)
  std::array<std::uint64_t, latency_histogram::bucket_count> answer_micros{};  ///< POST -> answer
};

/// Sends POSTs at a fixed rate over `connections` keep-alive connections, one
/// thread each (each connection has one POST in flight).
class broadcaster {
public:
  explicit broadcaster(broadcaster_options options);
  ~broadcaster();
  broadcaster(const broadcaster&) = delete;
  broadcaster& operator=(const broadcaster&) = delete;

  /// Posts `rate` broadcasts a second for `duration`, tagged `step`; returns
  /// once every POST has been answered (or has failed).
  post_result run_step(std::size_t step, double rate, std::chrono::milliseconds duration);

  /// The body of one POST for this server (the peers get a message shaped like
  /// agorad's `notification`, so every server sends about the same bytes).
  std::string body_for(const std::string& tag) const;

private:
  broadcaster_options options_;
  std::vector<int> fds_;
  std::atomic<std::uint64_t> next_seq_{1};
};

}  // namespace agora::bench
