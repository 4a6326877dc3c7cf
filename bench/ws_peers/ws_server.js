// Bare `ws` peer of bench/run_ws_bench.sh: every client of ws://HOST:PORT/ gets
// the body of each POST /broadcast as one text frame (serialized once, the
// same Buffer handed to every socket, as ws's own broadcast example does).
// usage: node ws_server.js PORT
'use strict';
const http = require('http');
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 18290);
const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(body, { binary: false });
    }
    res.writeHead(202, { 'Content-Type': 'application/json' }).end('{}');
  });
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => console.log(`ws peer ready on ${port}`));
