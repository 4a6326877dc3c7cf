// Bare `ws` peer of bench/run_ws_bench.sh: every client of ws://HOST:PORT/ gets
// the body of each POST /broadcast as one text frame (one Buffer handed to
// every socket, as ws's own broadcast example does).
// usage: node ws_server.js PORT
'use strict';
const { WebSocketServer, WebSocket } = require('ws');
const { createBroadcastServer, listen } = require('./broadcast_route');

const server = createBroadcastServer((body) => {
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(body, { binary: false });
  }
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
listen(server, Number(process.argv[2] || 18290), 'ws');
