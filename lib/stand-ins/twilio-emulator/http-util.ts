import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const delay = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(payload.length),
    ...headers,
  });
  res.end(payload);
};

const xmlText = (value: unknown): string =>
  String(value).replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Twilio's 2010 API answers a path without an extension in XML, errors included; only `.json`
 * gets JSON. `body` is a Twilio error ({code, message, more_info, status}).
 */
export const sendXmlError = (
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void => {
  const fields = [
    ['Code', body.code],
    ['Message', body.message],
    ['MoreInfo', body.more_info],
    ['Status', body.status],
  ]
    .map(([name, value]) => `<${name}>${xmlText(value)}</${name}>`)
    .join('');
  const payload = Buffer.from(
    `<?xml version='1.0' encoding='UTF-8'?>\n<TwilioResponse><RestException>${fields}</RestException></TwilioResponse>`,
  );
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(payload.length),
    ...headers,
  });
  res.end(payload);
};

/** Drops the connection without an answer, like a load balancer reset. */
export const resetConnection = (req: IncomingMessage): void => {
  req.socket.destroy();
};

/** Compares secrets in constant time whatever their lengths. */
export const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(
    createHash('sha256').update(given).digest(),
    createHash('sha256').update(expected).digest(),
  );

export const parseBasicAuth = (
  header: string | undefined,
): { username: string; password: string } | undefined => {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
};
