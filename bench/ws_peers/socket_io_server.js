// Socket.IO 4 peer of bench/run_ws_bench.sh, websocket transport only (what the
// seeds use): each POST /broadcast body (JSON) is emitted to every client as
// the event "msg" (Engine.IO frame `42["msg",{...}]`, encoded once per emit).
// usage: node socket_io_server.js PORT
'use strict';
const { Server } = require('socket.io');
const { createBroadcastServer, listen } = require('./broadcast_route');

const server = createBroadcastServer((body) => io.emit('msg', JSON.parse(body.toString())));
const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
listen(server, Number(process.argv[2] || 18291), 'socket.io');
