#!/usr/bin/env node
// A minimal broadcast server on the `ws` package that speaks Spread's chat protocol, so
// bench/compare can put the same load on Spread and on a well-known reference:
//   POST /publish[?topic=T]  {"name","msg"}  -> 204, fanned out to the topic's subscribers
//   GET /subscribe[?topic=T] -> WebSocket; each message a text frame {"name":..,"msg":..};
//                               a text frame sent by the client is published the same way
//   GET /healthz             -> 200
// A subscriber whose unsent backlog exceeds --queue-bytes-max is closed with 1008, as
// Spread drops a slow consumer. Readiness, on stdout:
//   peer: listening websocket http://127.0.0.1:PORT/
//   peer: ready
// SIGINT/SIGTERM close every connection, print "peer: stopped" and exit 0.
'use strict';

const http = require('http');
const { WebSocketServer } = require('ws');

function parseArgs(argv) {
  const options = { host: '127.0.0.1', port: 0, queueBytesMax: 1048576, bodyBytesMax: 65536 };
  const keys = { '--host': 'host', '--port': 'port', '--queue-bytes-max': 'queueBytesMax',
                 '--body-bytes-max': 'bodyBytesMax' };
  for (let i = 2; i < argv.length; i += 2) {
    const key = keys[argv[i]];
    if (key === undefined || i + 1 >= argv.length) {
      throw new Error(`unknown option or missing value: ${argv[i]} ` +
                      `(known: ${Object.keys(keys).join(' ')})`);
    }
    options[key] = key === 'host' ? argv[i + 1] : Number(argv[i + 1]);
    if (key !== 'host' && !Number.isInteger(options[key])) {
      throw new Error(`${argv[i]} needs an integer, got '${argv[i + 1]}'`);
    }
  }
  return options;
}

// Returns the re-encoded {"name","msg"} text, or throws an Error naming the problem.
function decodeChat(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`body is not JSON: ${error.message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('body must be a JSON object');
  }
  for (const field of ['name', 'msg']) {
    if (typeof value[field] !== 'string' || value[field].length === 0) {
      throw new Error(`field '${field}': must be a non-empty string`);
    }
  }
  return JSON.stringify({ name: value.name, msg: value.msg });
}

function topicOf(url) {
  return new URL(url, 'http://peer').searchParams.get('topic') || 'chat';
}

const options = parseArgs(process.argv);
const topics = new Map();  // topic name -> Set of WebSocket

function broadcast(topic, text) {
  const subscribers = topics.get(topic);
  if (subscribers === undefined) return;
  for (const socket of subscribers) {
    if (socket.bufferedAmount > options.queueBytesMax) {
      subscribers.delete(socket);
      socket.close(1008, 'slow consumer: send queue full');
      continue;
    }
    socket.send(text);
  }
}

function reply(response, status, body) {
  if (body === undefined) {
    response.writeHead(status);
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json',
                               'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function handlePublish(request, response) {
  const chunks = [];
  let size = 0;
  let refused = false;
  request.on('data', (chunk) => {
    size += chunk.length;
    if (size > options.bodyBytesMax && !refused) {
      refused = true;
      reply(response, 413, { error: `body larger than ${options.bodyBytesMax} bytes` });
    }
    if (!refused) chunks.push(chunk);
  });
  request.on('end', () => {
    if (refused) return;
    let text;
    try {
      text = decodeChat(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      reply(response, 400, { error: error.message });
      return;
    }
    broadcast(topicOf(request.url), text);
    reply(response, 204);
  });
}

const server = http.createServer((request, response) => {
  const path = request.url.split('?')[0];
  if (path === '/publish' && request.method === 'POST') return handlePublish(request, response);
  if (path === '/healthz' && request.method === 'GET') return reply(response, 200, { status: 'ok' });
  reply(response, 404, { error: `no such endpoint: ${request.method} ${path}` });
});
server.keepAliveTimeout = 60000;

const wss = new WebSocketServer({ noServer: true, maxPayload: options.bodyBytesMax });
server.on('upgrade', (request, socket, head) => {
  if (request.url.split('?')[0] !== '/subscribe') {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(request, socket, head, (ws) => {
    const topic = topicOf(request.url);
    if (!topics.has(topic)) topics.set(topic, new Set());
    topics.get(topic).add(ws);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'binary frames are not accepted');
      try {
        broadcast(topic, decodeChat(data.toString('utf8')));
      } catch (error) {
        ws.close(1007, error.message.slice(0, 120));
      }
    });
    ws.on('close', () => topics.get(topic).delete(ws));
    ws.on('error', () => topics.get(topic).delete(ws));
  });
});

function stop() {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => {
    process.stdout.write('peer: stopped\n');
    process.exit(0);
  });
  server.closeAllConnections();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

server.listen(options.port, options.host, () => {
  const { port } = server.address();
  process.stdout.write(`peer: listening websocket http://${options.host}:${port}/\npeer: ready\n`);
});
