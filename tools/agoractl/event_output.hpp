#pragma once
// How agoractl prints events and states: secrets (password hashes) are left
// out unless --raw asks for the store's bytes (domain/redaction.hpp), personal
// data is kept (the operator reading the store has it anyway).

#include <string>
#include <string_view>

#include "eventstore/event.hpp"

namespace agora::agoractl {

/// `e` as one JSON line on stdout, redacted unless `raw`. False when stdout
/// is gone (a closed pipe): the caller stops.
bool print_event(eventstore::event_view e, bool raw);

/// An aggregate's state JSON, redacted unless `raw`: any top-level member
/// named like a secret is dropped (the redaction safety net; states declare
/// no fields of their own).
std::string redact_state(std::string_view stream, std::string json, bool raw);

}  // namespace agora::agoractl
