import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ArchiveBrowser } from './archive-browser.ts';

export interface ArchiveBrowserServer {
  server: Server;
  /** The browser's first page, e.g. `http://127.0.0.1:8080/archive/`. */
  url: string;
  close(): Promise<void>;
}

/** `media-archive serve`: the browser on its own port; `/` leads to it. */
export const startArchiveBrowserServer = async (options: {
  browser: ArchiveBrowser;
  port: number;
  host: string;
  basePath?: string;
}): Promise<ArchiveBrowserServer> => {
  const base = (options.basePath ?? '/archive').replace(/\/+$/, '');
  const server = createServer((req, res) => {
    if (req.url === '/' || req.url === '') {
      res.writeHead(302, { location: `${base}/`, 'x-content-type-options': 'nosniff' });
      return void res.end();
    }
    void options.browser(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return {
    server,
    url: `http://${host}:${port}${base}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
