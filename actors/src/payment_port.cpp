#include "actors/payment_port.hpp"

#include "common/uuid.hpp"

namespace agora::actors {

void simulated_payments::charge(const payment_request& req, payment_callback done) {
  payment_outcome out;
  out.payment_id = "simulated-" + uuid::random_v4().to_string();
  if (req.method == "decline") {
    out.reason = "declined by the simulated provider (method \"decline\")";
  } else if (req.amount_minor > decline_above_) {
    out.reason = "declined by the simulated provider (amount over " + std::to_string(decline_above_) + ")";
  } else {
    out.approved = true;
  }
  done(std::move(out));
}

void simulated_payments::refund(const std::string& /*payment_id*/, std::int64_t /*amount_minor*/,
                                payment_callback done) {
  payment_outcome out;
  out.approved = true;
  out.payment_id = "simulated-refund-" + uuid::random_v4().to_string();
  done(std::move(out));
}

}  // namespace agora::actors
