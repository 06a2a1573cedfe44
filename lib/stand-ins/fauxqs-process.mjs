// Child-process entry for fauxqs (S3 + SQS on one port). A child, so that its CPU
// use does not share a thread with the code under test (the bench) and so that it can report
// request counts and a request log over IPC (lib/local/s3-server.ts's LocalS3Server).
// Requests are observed through Node's http diagnostics channels: fauxqs exposes no server hooks.
import { subscribe } from 'node:diagnostics_channel';
import { Server as HttpServer, ServerResponse } from 'node:http';
import { registerHooks } from 'node:module';
import { Server } from 'node:net';
import { errorXml, refusalOf, responseOverridesOf } from './fauxqs-guard.mjs';

// fauxqs gives Fastify an 11 MiB body limit (enough for multipart parts): a single-PUT media of up
// to Twilio's 16 MiB, plus aws-chunked framing, is cut off with EPIPE. It has no option for it, so
// its source is given a larger limit as it loads.
const BODY_LIMIT = 'bodyLimit: 11 * 1_048_576';
// fauxqs ignores `If-None-Match: *` on PutObject and overwrites; the archiver relies on the 412 to
// never write over an archived object. The check and the write run in one synchronous step of the
// router (the body is already read), so no other request can come between them.
const PUT_OBJECT = 'putObject(request, reply, store);';
const CONDITIONAL_PUT_OBJECT = `if (request.headers["if-none-match"] === "*" && store.buckets.get(request.params.bucket)?.has(key)) {
                    throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, \`/\${request.params.bucket}/\${key}\`);
                }
                ${PUT_OBJECT}`;
const PATCHES = [
  { file: '/fauxqs/dist/app.js', from: BODY_LIMIT, to: 'bodyLimit: 64 * 1_048_576' },
  { file: '/fauxqs/dist/s3/s3Router.js', from: PUT_OBJECT, to: CONDITIONAL_PUT_OBJECT },
];
registerHooks({
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context);
    const patch = PATCHES.find(({ file }) => url.includes(file));
    if (!patch) return loaded;
    const source = String(loaded.source);
    if (source.split(patch.from).length !== 2) {
      throw new Error(`fauxqs: "${patch.from}" not found once in ${patch.file} to patch`);
    }
    return { ...loaded, source: source.replace(patch.from, patch.to) };
  },
});
const { startFauxqs } = await import('fauxqs');

// fauxqs always listens on 0.0.0.0 (its `host` option only names queue URLs): the local archive
// would be reachable from the network. Its listen goes through net.Server, so bind loopback here.
const listen = Server.prototype.listen;
let bound = '';
Server.prototype.listen = function (...args) {
  const [first] = args;
  if (first && typeof first === 'object' && (first.host === '0.0.0.0' || first.host === '::')) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  this.once('listening', () => {
    bound = this.address()?.address ?? '';
  });
  if (this instanceof HttpServer) guard(this);
  return listen.apply(this, args);
};

// Fastify either passes its headers to writeHead or sets them before an implicit writeHead (a
// streamed body); both reach this instance's writeHead, where S3's `response-*` overrides win.
const applyOverrides = (response, overrides) => {
  const writeHead = response.writeHead;
  response.writeHead = function (status, ...rest) {
    if (status === 200 || status === 206) {
      const headers = rest.find((arg) => arg && typeof arg === 'object');
      for (const [name, value] of Object.entries(overrides)) {
        if (headers) {
          for (const key of Object.keys(headers)) {
            if (key.toLowerCase() === name) delete headers[key];
          }
          headers[name] = value;
        }
        this.setHeader(name, value);
      }
    }
    return writeHead.call(this, status, ...rest);
  };
};

// fauxqs takes requests it does not implement as the nearest operation it has (`PUT ?legal-hold`
// became a PutObject) and checks no signature: fauxqs-guard.mjs decides what reaches it.
const guard = (server) => {
  const handlers = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (request, response) => {
    const refused = refusalOf(request, `http://127.0.0.1:${server.address()?.port}`);
    if (refused === undefined) {
      const overrides = responseOverridesOf(request);
      if (overrides) applyOverrides(response, overrides);
      for (const handler of handlers) handler.call(server, request, response);
      return;
    }
    request.resume();
    response.writeHead(refused.status, { 'content-type': 'application/xml' });
    response.end(
      request.method === 'HEAD' ? undefined : errorXml(refused, request.url.split('?')[0]),
    );
  });
};

const options = JSON.parse(process.argv[2] || '{}');
const counts = {};
// Bounded so a soak cannot exhaust memory.
const LOG_LIMIT = 200000;
const log = [];
let port = 0;
const ours = (server) => port !== 0 && server?.address()?.port === port;

subscribe('http.server.request.start', ({ request, server }) => {
  if (!ours(server)) return;
  counts[request.method] = (counts[request.method] || 0) + 1;
});
// A log entry's time is when the server began sending the answer, which precedes the client's
// receipt of it: 'finish' fires once the bytes were handed to the OS, which under load can come
// after the client already acted on the answer (ordering proofs compare with it).
const SENT_AT = Symbol('sentAt');
for (const method of ['writeHead', 'write', 'end']) {
  const original = ServerResponse.prototype[method];
  ServerResponse.prototype[method] = function (...args) {
    this[SENT_AT] ??= Date.now();
    return original.apply(this, args);
  };
}

subscribe('http.server.response.finish', ({ request, response, server }) => {
  if (!ours(server)) return;
  if (log.length >= LOG_LIMIT) log.shift();
  log.push({
    method: request.method,
    path: request.url.split('?')[0],
    status: response.statusCode,
    at: response[SENT_AT] ?? Date.now(),
  });
});

try {
  // S3 objects as files in `directory` (they survive a restart); queues stay in memory: fauxqs's
  // SQLite persistence (dataDir) fails ChangeMessageVisibility (docs/LOCAL-S3.md).
  const server = await startFauxqs({
    port: options.port || 0,
    host: '127.0.0.1',
    logger: false,
    s3StorageDir: options.directory,
  });
  port = server.port;
  for (const bucket of options.buckets || []) {
    // A bucket restored from the storage directory already exists.
    try {
      server.createBucket(bucket);
    } catch {}
  }
  process.on('message', (message) => {
    if (message === 'counts') process.send({ type: 'counts', counts: { ...counts } });
    if (message === 'reset-counts') for (const key of Object.keys(counts)) delete counts[key];
    if (message === 'log') process.send({ type: 'log', log });
    if (message === 'stop') server.stop().then(() => process.exit(0));
  });
  process.send({ type: 'ready', port, address: bound });
} catch (error) {
  process.send({ type: 'error', message: error.message, code: error.code });
  process.exit(1);
}
// The parent going away (even by a crash) must not leave an orphan server on the port.
process.on('disconnect', () => process.exit(0));
