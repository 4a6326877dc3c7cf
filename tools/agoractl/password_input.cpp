#include "tools/agoractl/password_input.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace agora::agoractl {

std::string prompt_password(const char* prompt) {
  // Echo goes off before the prompt shows (as getpass does): TCSAFLUSH drops
  // what was typed ahead, so nothing typed after the prompt is lost or echoed.
  termios old {};
  const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::fprintf(stderr, "%s", prompt);
  std::fflush(stderr);
  std::string line;
  std::getline(std::cin, line);
  if (tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::fputc('\n', stderr);
  return line;
}

expected<std::string, std::string> read_password(bool confirm) {
  if (::isatty(STDIN_FILENO) == 0) {
    std::string line;
    if (!std::getline(std::cin, line)) return unexpected{"no password on standard input"};
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  auto first = prompt_password("password: ");
  if (!confirm) return first;
  auto second = prompt_password("again: ");
  if (first != second) return unexpected{"the passwords differ"};
  return first;
}

}  // namespace agora::agoractl
