import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccessGate, TOKEN_PARAMETER } from './access-token.ts';
import type { ArchiveBrowser } from './archive-browser.ts';
import { isLocalRequest, sendText } from './http.ts';

export interface ArchiveBrowserServer {
  server: Server;
  /** The browser's first page with its token, e.g. `http://127.0.0.1:8080/archive/?token=…`. */
  url: string;
  /** The same page without the token (what the link redirects to). */
  pageUrl: string;
  close(): Promise<void>;
}

/** Thrown when the port is taken, so callers can name the variable or option to change. */
export class BrowserPortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use`);
    this.name = 'BrowserPortInUseError';
  }
}

/**
 * The browser on its own port (`media-archive serve`, `npm start`): never on the webhook port,
 * which people expose through tunnels. Every request needs the per-start token (or the cookie it
 * is traded for), whatever the host it listens on; `/` leads to the browser.
 */
export const startArchiveBrowserServer = async (options: {
  browser: ArchiveBrowser;
  port: number;
  host: string;
  basePath?: string;
  /** Host names besides the loopback ones (`serve --host`). */
  allowedHosts?: readonly string[];
  /** Tests only: a fixed token instead of a random one. */
  token?: string;
}): Promise<ArchiveBrowserServer> => {
  const base = (options.basePath ?? '/archive').replace(/\/+$/, '');
  const gate = createAccessGate({
    basePath: base,
    ...(options.token !== undefined ? { token: options.token } : {}),
  });
  const allowedHosts = (options.allowedHosts ?? []).map((host) => host.toLowerCase());
  const server = createServer((req, res) => {
    if (req.url === '/' || req.url === '') {
      res.writeHead(302, { location: `${base}/`, 'x-content-type-options': 'nosniff' });
      return void res.end();
    }
    // The Host check first: a foreign name is refused as such, token or not.
    if (!isLocalRequest(req, allowedHosts)) {
      return sendText(res, 403, 'the archive browser answers only on this machine\n');
    }
    if (!gate.admit(req, res)) return;
    void options.browser(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new BrowserPortInUseError(options.port) : error),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  const pageUrl = `http://${host}:${port}${base}/`;
  return {
    server,
    url: `${pageUrl}?${TOKEN_PARAMETER}=${gate.token}`,
    pageUrl,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
