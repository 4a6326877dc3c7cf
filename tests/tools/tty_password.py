#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts, as a person
would: each answer is typed only once its prompt has appeared (so a command
that turns echo off before prompting is seen not to echo).
usage: tty_password.py PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARGS...]
Prints everything the terminal showed; exits with the command's status."""
import os
import pty
import select
import signal
import sys
import time

# A command that never prompts (or hangs) must not hang the test suite.
DEADLINE_SECONDS = 60


def main():
    argv = sys.argv[1:]
    sep = argv.index("--")
    pairs, cmd = argv[:sep], argv[sep + 1:]
    script = list(zip(pairs[0::2], pairs[1::2]))
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen = b""
    shown = b""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.write(shown.decode(errors="replace") + "\n[tty_password: no progress for the deadline]\n")
            sys.exit(124)
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the command closed the terminal (it ended)
            break
        if not chunk:
            break
        seen += chunk
        shown += chunk
        if script and script[0][0].encode() in seen:
            os.write(fd, script[0][1].encode() + b"\n")
            seen = b""
            script.pop(0)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(shown.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status))


main()
