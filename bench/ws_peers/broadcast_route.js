// The HTTP side both peers share: POST /broadcast hands its body (a Buffer) to
// `broadcast` and answers 202; any other request is 404 (Socket.IO answers its
// own /socket.io/ path before this handler sees it).
'use strict';
const http = require('http');

function createBroadcastServer(broadcast) {
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/broadcast') {
      res.writeHead(404).end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      broadcast(Buffer.concat(chunks));
      res.writeHead(202, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 60000;  // the generator's POST connections stay open
  return server;
}

function listen(server, port, name) {
  server.listen(port, '127.0.0.1', () => console.log(`${name} peer ready on ${port}`));
}

module.exports = { createBroadcastServer, listen };
