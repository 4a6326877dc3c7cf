#pragma once
// Private: what the acceptor and server::stop() ask of an admitted
// connection, whatever serves it: an HTTP session, or the hold the server
// keeps on a connection it handed over (upgrade_hold). The books
// (admission.hpp) hold them as weak_ptr<void> made from a
// shared_ptr<connection>, and the server casts back to connection.

namespace agora::http {

class connection {
 public:
  virtual ~connection() = default;
  /// stop(): no more requests; what is in flight may finish.
  virtual void begin_stop() = 0;
  /// stop() after the grace period: close now.
  virtual void force_close() = 0;
  /// The acceptor needs this connection's place (see admission.hpp).
  virtual void shed() = 0;
};

}  // namespace agora::http
