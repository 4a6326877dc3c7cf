#pragma once
// The JSON form of a stored event: what the Kafka relay publishes, what the
// HTTP API and agoractl show. One definition so they never drift apart.
//
//   {"id":"<uuid>","stream":"order-1","version":3,"position":42,
//    "type":"OrderPlaced","schema_version":1,"timestamp":"2026-...Z",
//    "correlation_id":"...","causation_id":"...","actor":"...","data":{...}}

#include <string>

#include "common/json_writer.hpp"
#include "eventstore/event.hpp"

namespace agora::eventstore {

/// Appends `e` as one JSON object to `out`. `data` is inserted verbatim: it was
/// validated as JSON when it was appended. This is the outbox relay's per-event
/// work, so member names are written as constants and only the free-text fields
/// go through escaping; the bytes are the same as json_writer would produce.
void append_event_json(std::string& out, const event_view& e);

/// Writes `e` as one JSON object into `w` (the next value of a larger document).
void write_event_json(json_writer& w, const event_view& e);

/// `e` as a JSON object.
std::string event_to_json(const event_view& e);

}  // namespace agora::eventstore
