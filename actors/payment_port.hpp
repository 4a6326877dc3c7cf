#pragma once
// The payment port: how Agora asks a payment provider to charge or refund.
// Production plugs in a real provider; the default is `simulated_payments`,
// which moves no money and says so in every payment id it makes.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace agora::actors {

struct payment_request {
  std::string order_id;
  std::int64_t amount_minor = 0;
  std::string currency;
  /// What the customer paid with (a token from the provider's client side).
  std::string method;
};

struct payment_outcome {
  bool approved = false;
  /// The provider's id for the charge or refund (also when declined).
  std::string payment_id;
  /// Why it was declined, or empty.
  std::string reason;
};

using payment_callback = std::function<void(payment_outcome)>;

/// A payment provider. Implementations must answer every call exactly once,
/// may answer on any thread, and must not block the caller.
class payment_port {
 public:
  virtual ~payment_port() = default;
  virtual void charge(const payment_request& req, payment_callback done) = 0;
  virtual void refund(const std::string& payment_id, std::int64_t amount_minor, payment_callback done) = 0;
};

/// A stand-in provider for development and tests: approves unless the method
/// is "decline" or the amount exceeds `decline_above_minor`. Answers at once.
class simulated_payments final : public payment_port {
 public:
  explicit simulated_payments(std::int64_t decline_above_minor = 100'000'000)
      : decline_above_(decline_above_minor) {}
  void charge(const payment_request& req, payment_callback done) override;
  void refund(const std::string& payment_id, std::int64_t amount_minor, payment_callback done) override;

 private:
  std::int64_t decline_above_;
};

}  // namespace agora::actors
