#pragma once
// Reading a password for agoractl: from a prompt without echo on a terminal,
// else one line of standard input; never from the command line, where ps and
// shell history would see it.

#include <string>

#include "common/expected.hpp"

namespace agora::agoractl {

/// Reads one line from the terminal with echo off (restored whatever happens),
/// after printing `prompt` on stderr.
std::string prompt_password(const char* prompt);

/// A password: prompted for on a terminal (twice when `confirm`, refused when
/// the two differ), else the first line of standard input (a trailing CR
/// dropped). An error when standard input has no line.
expected<std::string, std::string> read_password(bool confirm);

}  // namespace agora::agoractl
