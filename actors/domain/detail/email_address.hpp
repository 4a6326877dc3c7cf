#pragma once
// Internal to agora_domain: e-mail address normalisation behind
// customer::normalize_email (see customer.hpp for the contract).
//
// Steps, for an address that is not all ASCII:
//   1. valid UTF-8, NFKC of the whole address (full-width `Ａ`/`＠` become
//      `A`/`@`, compatibility forms fold), exactly one '@';
//   2. local part: Unicode case folding with NFKC after it (`Ä` -> `ä`,
//      `ß` -> `ss`); no whitespace, control, format (zero-width) or unassigned
//      characters; and one script only (UTS #39 "highly restrictive": Common
//      and Inherited characters such as digits and punctuation go with any
//      script, and Latin may mix with Han + Hiragana + Katakana, Han + Bopomofo
//      or Han + Hangul, as Japanese, Chinese and Korean addresses do);
//   3. domain: one trailing dot removed, then IDNA2008 with UTS #46
//      non-transitional mapping (libidn2) to A-labels, lower case.
// An all-ASCII address is lower-cased and loses a trailing dot on its domain,
// nothing else, so keys stored before this normalisation stay the same.
//
// Why refuse mixed scripts rather than map confusables to a skeleton: NFKC
// does not unify look-alikes (Cyrillic `а` U+0430 and Latin `a` stay apart),
// and UTS #39 skeletons are meant for comparing, not as a key: they change
// with every Unicode release (a stored key would drift) and merge letters
// that real addresses keep apart. A mixed-script local part is almost always
// a spoof (`pаypal`), and refusing it costs real users nothing. A local part
// wholly in one other script that merely looks Latin (all-Cyrillic `аре`) is
// a different address and stays one.

#include <string>
#include <string_view>

#include "actors/domain/domain_error.hpp"

namespace agora::domain::detail {

/// customer::normalize_email.
agora::expected<std::string, domain_error> normalize_email_address(std::string_view email);

}  // namespace agora::domain::detail
