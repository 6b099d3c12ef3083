import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A real SMART app for the end-to-end tests: two pages that use fhirclient's browser bundle (launch.html
 * authorizes, index.html reads the launched patient and shows the token response), served on 127.0.0.1.
 */
export interface SmartApp {
  readonly origin: string;
  close(): Promise<void>;
}

const FILES: Record<string, string> = {
  '/launch.html': path.join(import.meta.dirname, 'smart-app', 'launch.html'),
  '/index.html': path.join(import.meta.dirname, 'smart-app', 'index.html'),
  '/fhir-client.js': path.resolve(import.meta.dirname, '..', 'node_modules/fhirclient/build/fhir-client.js'),
};

/** Starts the app; `headers` go on every page (e.g. `X-Frame-Options: DENY` for an app that refuses framing). */
export async function startSmartApp(headers: Record<string, string> = {}): Promise<SmartApp> {
  const server = createServer((req, res) => {
    const file = FILES[(req.url ?? '').split('?')[0] ?? ''];
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        const type = file.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8';
        res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers }).end(body);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
