#!/usr/bin/env python3
"""A WebSocket client not written here (Debian's python3-websockets) against
agorad's realtime feed: connects offering agora.v1, subscribes to
notifications, prints READY, then waits for one notification and prints
GOT <title> <position>. Exit 0 on success; any protocol surprise fails."""

import asyncio
import json
import sys

import websockets


async def main(url: str) -> int:
    async with websockets.connect(url, subprotocols=["agora.v1"], open_timeout=10) as ws:
        if ws.subprotocol != "agora.v1":
            print("no agora.v1 subprotocol selected:", ws.subprotocol, flush=True)
            return 2
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if welcome.get("type") != "welcome" or welcome.get("role") != "anonymous":
            print("bad welcome:", welcome, flush=True)
            return 2
        await ws.send(json.dumps({"type": "subscribe", "id": "py", "channels": ["notifications"]}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if answer.get("type") != "subscribed" or answer.get("id") != "py":
            print("bad subscribed:", answer, flush=True)
            return 2
        print("READY", flush=True)
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if message.get("type") == "notification":
                print("GOT", message["title"], message["position"], flush=True)
                return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
