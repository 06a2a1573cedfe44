// Child-process entry for s3rver. It runs in its own process so that it can be started with
// --openssl-legacy-provider (s3rver encrypts continuation tokens with DES) and so that its CPU
// use does not share a thread with the code under test. It reports its port and, on request,
// how many requests it served by method (the benchmark's S3 request counter).
'use strict';
const S3rver = require('s3rver');

const options = JSON.parse(process.argv[2] || '{}');
const counts = {};
// Completed requests (method, path, status, finish time): lets tests prove ordering such as
// "the Twilio DELETE came after S3 acknowledged the PUT". Bounded so a soak cannot exhaust memory.
const LOG_LIMIT = 200000;
const log = [];
const server = new S3rver({
  address: '127.0.0.1',
  port: options.port || 0,
  directory: options.directory,
  silent: true,
  configureBuckets: (options.buckets || []).map((name) => ({ name })),
  allowMismatchedSignatures: true,
});

server.run().then(
  (address) => {
    server.httpServer.on('request', (req, res) => {
      counts[req.method] = (counts[req.method] || 0) + 1;
      res.on('finish', () => {
        if (log.length >= LOG_LIMIT) log.shift();
        log.push({
          method: req.method,
          path: req.url.split('?')[0],
          status: res.statusCode,
          at: Date.now(),
        });
      });
    });
    process.send({ type: 'ready', port: address.port });
  },
  (error) => {
    process.send({ type: 'error', message: error.message, code: error.code });
    process.exit(1);
  },
);

process.on('message', (message) => {
  if (message === 'counts') process.send({ type: 'counts', counts: { ...counts } });
  if (message === 'reset-counts') for (const key of Object.keys(counts)) delete counts[key];
  if (message === 'log') process.send({ type: 'log', log });
});
// The parent going away (even by a crash) must not leave an orphan server on the port.
process.on('disconnect', () => process.exit(0));
