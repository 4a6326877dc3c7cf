#!/usr/bin/env python3
"""Measures agorad's resident memory per idle WebSocket connection.

Usage: idle_rss.py PID PORT [N]

Opens N (default 10000) WebSocket connections to 127.0.0.1:PORT/ws (a raw
RFC 6455 handshake over asyncio, each reading its welcome), waits for the
server to settle, and prints agorad's RSS (from /proc/PID/status) before and
after, and the difference per connection. Run agorad with
http.max_connections and realtime.max_connections above N,
http.max_connections_per_ip=0 and a realtime.idle_timeout longer than the
run (this client answers no pings). Not a test: docs/OPERATIONS.md quotes its
figures."""

import asyncio
import base64
import os
import sys
import time


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def connect(port: int, held: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: agora.v1\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(head.decode(errors="replace").splitlines()[0])
    # The welcome: a short text frame (2-byte header, payload < 126 bytes).
    hdr = await reader.readexactly(2)
    await reader.readexactly(hdr[1] & 0x7F)
    held.append((reader, writer))


async def main(pid: int, port: int, n: int) -> None:
    before = rss_kib(pid)
    held: list = []
    batch = 500
    for start in range(0, n, batch):
        await asyncio.gather(*(connect(port, held) for _ in range(min(batch, n - start))))
    await asyncio.sleep(2)
    after = rss_kib(pid)
    print(f"connections {len(held)}: RSS {before} KiB -> {after} KiB, "
          f"{(after - before) * 1024 / len(held):.0f} bytes per idle connection")
    for _, w in held:
        w.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 10000))
