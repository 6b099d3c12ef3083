import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import smart from 'fhirclient/lib/entry/node.js';

/**
 * A minimal SMART app, built on SMART's own JavaScript client (`fhirclient`, Node adapter), served over
 * real HTTP: `/launch` starts an EHR launch (iss + launch) or a standalone one (iss only), `/cb` finishes
 * it and answers with the launch patient as the app read it from the FHIR base with its token.
 */
export interface SmartApp {
  readonly origin: string;
  readonly launchUrl: string;
  readonly redirectUri: string;
  close(): Promise<void>;
}

export async function startSmartApp(clientId: string, scope: string): Promise<SmartApp> {
  // One browser session is enough for a test: fhirclient keeps its state (PKCE verifier, state) here.
  const session = new Map<string, unknown>();
  const storage = {
    get: async (key: string) => session.get(key),
    set: async (key: string, value: unknown) => {
      session.set(key, value);
      return value;
    },
    unset: async (key: string) => session.delete(key),
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const fail = (err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(err instanceof Error ? err.message : String(err));
    };
    if (path === '/launch') {
      smart(req, res, storage).authorize({ clientId, scope, redirectUri: '/cb' }).catch(fail);
    } else if (path === '/cb') {
      smart(req, res, storage)
        .ready()
        .then(async (client) => {
          const patient = await client.patient.read();
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              patientId: client.patient.id,
              patient,
              scope: client.state.tokenResponse?.scope,
            }),
          );
        })
        .catch(fail);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    launchUrl: `${origin}/launch`,
    redirectUri: `${origin}/cb`,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

/** Follows one redirect by hand, as a browser would, and returns where it leads. */
export async function followRedirect(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status < 300 || res.status >= 400 || location === null) {
    throw new Error(`expected a redirect from ${url}, got ${res.status}: ${await res.text()}`);
  }
  return new URL(location, url).toString();
}
