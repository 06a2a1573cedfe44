import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.ts';
import { drawFault } from './faults.ts';
import { delay, resetConnection, sendJson } from './http-util.ts';
import { twilioError } from './representations.ts';
import type { MediaRecord } from './store.ts';
import type { RequestLogEntry } from './types.ts';

const CDN_PATH = /^\/v1\/([0-9a-f]+)\/(ME[0-9a-fA-F]{32})$/;

/** Storage-style XML errors, as a presigned S3/CloudFront URL answers them. */
const sendXmlError = (res: ServerResponse, status: number, code: string, message: string) => {
  const body = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(body.length),
  });
  res.end(body);
};

const etagOf = (media: MediaRecord) => `"${media.sha256.slice(0, 32)}"`;

const matchesEtag = (header: string | undefined, etag: string): boolean => {
  if (!header) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
};

const contentHeaders = (media: MediaRecord): OutgoingHttpHeaders => {
  const headers: OutgoingHttpHeaders = {
    ETag: etagOf(media),
    'Last-Modified': media.dateCreated.toUTCString(),
    'Cache-Control': 'private, max-age=14400',
  };
  if (media.filename) {
    headers['Content-Disposition'] =
      `inline; filename="${media.filename.replace(/["\\\r\n]/g, '_')}"`;
  }
  return headers;
};

export const createCdnHandler =
  (ctx: EmulatorContext) =>
  async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://cdn.local');
    const match = CDN_PATH.exec(url.pathname);
    const fields: Omit<RequestLogEntry, 'seq' | 'at' | 'status'> = {
      origin: 'cdn',
      method: req.method ?? 'GET',
      path: url.pathname,
      hadAuthorization: req.headers.authorization !== undefined,
    };
    if (match?.[2]) fields.mediaSid = match[2];
    const log = (status: number) => ctx.log({ ...fields, status });

    await delay(ctx.latency.cdnFirstByteMs);

    const fault = drawFault(ctx.random, ctx.faults);
    if (fault?.kind === 'throttle') {
      fields.fault = 'throttle';
      log(429);
      sendJson(res, 429, twilioError(429, 20429, 'Too Many Requests'), { 'Retry-After': '1' });
      return;
    }
    if (fault?.kind === 'server-error') {
      const status = fault.status ?? 500;
      fields.fault = 'server-error';
      log(status);
      sendXmlError(res, status, status === 503 ? 'SlowDown' : 'InternalError', 'Please retry');
      return;
    }
    if (fault?.kind === 'reset') {
      fields.fault = 'reset';
      log(0);
      resetConnection(req);
      return;
    }

    if (fields.hadAuthorization) {
      log(400);
      sendXmlError(res, 400, 'InvalidArgument', 'Only one auth mechanism allowed');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      log(405);
      sendXmlError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed');
      return;
    }
    const media = match?.[2] ? ctx.store.media(match[2]) : undefined;
    const check = ctx.signer.check(url.pathname, url.searchParams, Date.now());
    if (check !== 'valid') {
      log(403);
      sendXmlError(
        res,
        403,
        'AccessDenied',
        check === 'expired' ? 'Request has expired' : 'Signature does not match',
      );
      return;
    }
    if (!media || media.deleted || media.cdnKey !== match?.[1]) {
      log(404);
      sendXmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return;
    }

    const headers = contentHeaders(media);
    if (matchesEtag(req.headers['if-none-match'], etagOf(media))) {
      log(304);
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers['Content-Type'] = media.contentType;
    headers['Content-Length'] = String(media.body.length);
    if (req.method === 'HEAD') {
      log(200);
      res.writeHead(200, headers);
      res.end();
      return;
    }
    if (fault?.kind === 'truncate' && media.body.length > 1) {
      fields.fault = 'truncate';
      log(200);
      res.writeHead(200, headers);
      res.write(media.body.subarray(0, Math.floor(media.body.length / 2)), () => {
        res.socket?.destroy();
      });
      return;
    }
    log(200);
    res.writeHead(200, headers);
    res.end(media.body);
  };
