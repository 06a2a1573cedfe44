// Child-process entry for s3rver. It runs in its own process so that it can be started with
// --openssl-legacy-provider (s3rver encrypts continuation tokens with DES) and so that its CPU
// use does not share a thread with the code under test. It reports its port and, on request,
// how many requests it served by method (the benchmark's S3 request counter).
'use strict';
const S3rver = require('s3rver');

const options = JSON.parse(process.argv[2] || '{}');
const counts = {};
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
    server.httpServer.on('request', (req) => {
      counts[req.method] = (counts[req.method] || 0) + 1;
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
});
// The parent going away (even by a crash) must not leave an orphan server on the port.
process.on('disconnect', () => process.exit(0));
