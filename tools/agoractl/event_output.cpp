#include "tools/agoractl/event_output.hpp"

#include <cstdio>
#include <optional>

#include "actors/domain/redaction.hpp"
#include "eventstore/event_json.hpp"

namespace agora::agoractl {

bool print_event(eventstore::event_view e, bool raw) {
  std::optional<std::string> redacted;
  if (!raw) redacted = domain::redact_event_data(e.stream, e.type, e.data, domain::redaction_policy{true});
  if (redacted) e.data = *redacted;
  thread_local std::string line;
  line.clear();
  eventstore::append_event_json(line, e);
  line.push_back('\n');
  return std::fwrite(line.data(), 1, line.size(), stdout) == line.size();
}

std::string redact_state(std::string_view stream, std::string json, bool raw) {
  if (raw) return json;
  // "(state)" is no event type: only the safety net (members named like a
  // secret) applies, which is what a state needs.
  auto redacted = domain::redact_event_data(stream, "(state)", json, domain::redaction_policy{true});
  return redacted ? *redacted : json;
}

}  // namespace agora::agoractl
