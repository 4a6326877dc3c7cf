#pragma once
// What of an event may leave the store. The store keeps every event whole (it
// is the source of truth, and login needs the password hash); everything that
// copies events out of it (the Kafka outbox relay, the HTTP event history,
// agoractl's reads) passes them through redact_event_data() first.
//
// The fields are declared here, per event type, next to nothing else: a new
// secret field is added to one table (redaction.cpp) and every way out drops
// it. As a safety net, any top-level field whose name contains "password" (any
// case) is treated as secret in every event, declared or not, and a domain test
// fails when any event has a field named like a secret (password, secret,
// token, key) that the table does not declare.
//
//   secret    never leaves the store (argon2id password hashes)
//   personal  leaves it only where the policy keeps personal data (e-mail
//             addresses, names); the Kafka relay drops it unless
//             kafka.publish_personal_data is on
//
// Streams whose id itself is personal data (`claim-email:<address>`: the id is
// the e-mail address, and would be the Kafka message key) never leave the
// store where personal data is dropped.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agora::domain {

/// How sensitive one field of an event's data is.
enum class field_class { secret, personal };

/// One declared sensitive field (a top-level member of the event's data).
struct sensitive_field {
  std::string_view name;
  field_class cls = field_class::secret;
};

/// What a way out of the store keeps.
struct redaction_policy {
  /// Keep personal fields (e-mail, name) and streams named by personal data.
  /// Secret fields are dropped whatever this says.
  bool keep_personal = false;
};

/// The declared sensitive fields of events of `type` in streams of kind
/// `kind` ("customer", "CustomerRegistered"). Empty for most events.
const std::vector<sensitive_field>& sensitive_fields(std::string_view kind, std::string_view type) noexcept;

/// The stream's kind: the part of the id before the first '-'.
std::string_view stream_kind(std::string_view stream) noexcept;

/// False when events of `stream` must not leave the store at all under `p`
/// (a stream named by an e-mail address while personal data is dropped).
bool stream_may_leave(std::string_view stream, redaction_policy p) noexcept;

/// `data` (the event's JSON) without the fields `p` drops: nullopt when
/// nothing is dropped (use `data` as it is; the common case, checked without
/// parsing). When fields are dropped, the other members are kept in order,
/// minified. Data that is not a JSON object while the event has declared
/// sensitive fields becomes "{}": when in doubt, nothing leaves.
std::optional<std::string> redact_event_data(std::string_view stream, std::string_view type, std::string_view data,
                                             redaction_policy p);

}  // namespace agora::domain
