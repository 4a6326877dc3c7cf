// Socket.IO 4 peer of bench/run_ws_bench.sh, websocket transport only (what the
// seeds use): each POST /broadcast body (JSON) is emitted to every client as
// the event "msg" (Engine.IO frame `42["msg",{...}]`).
// usage: node socket_io_server.js PORT
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || 18291);
const server = http.createServer((req, res) => {
  // socket.io answers /socket.io/ itself and hands every other request here.
  if (req.method !== 'POST' || req.url !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    io.emit('msg', JSON.parse(Buffer.concat(chunks).toString()));
    res.writeHead(202, { 'Content-Type': 'application/json' }).end('{}');
  });
});
const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => console.log(`socket.io peer ready on ${port}`));
