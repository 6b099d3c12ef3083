import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';

/**
 * A minimal SMART app served over real HTTP, its OAuth side done by an independent, certified client library
 * (`openid-client`): `/launch` takes `iss` (and `launch` for an EHR launch), discovers the server from
 * `iss/.well-known/smart-configuration` and sends the browser to authorize with PKCE and `aud` = `iss`;
 * `/cb` exchanges the code and answers with the launch patient as the app read it from the FHIR base.
 */
export interface SmartApp {
  readonly origin: string;
  readonly launchUrl: string;
  readonly redirectUri: string;
  close(): Promise<void>;
}

interface Session {
  readonly config: oidc.Configuration;
  readonly iss: string;
  readonly verifier: string;
  readonly state: string;
}

async function smartConfiguration(iss: string, clientId: string): Promise<oidc.Configuration> {
  const res = await fetch(`${iss}/.well-known/smart-configuration`, {
    headers: { accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`SMART discovery at ${iss} answered ${res.status}`);
  const metadata = (await res.json()) as oidc.ServerMetadata;
  const config = new oidc.Configuration(metadata, clientId, undefined, oidc.None());
  // The sandbox listens on plain http on loopback; this is the library's documented switch for that.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  oidc.allowInsecureRequests(config);
  return config;
}

export async function startSmartApp(clientId: string, scope: string): Promise<SmartApp> {
  // One browser session is enough for a test.
  let session: Session | undefined;
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const fail = (err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    };
    if (url.pathname === '/launch') {
      const iss = url.searchParams.get('iss') ?? '';
      const launch = url.searchParams.get('launch');
      (async () => {
        const config = await smartConfiguration(iss, clientId);
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        session = { config, iss, verifier, state };
        const target = oidc.buildAuthorizationUrl(config, {
          redirect_uri: `${origin}/cb`,
          scope,
          state,
          aud: iss,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          ...(launch === null ? {} : { launch }),
        });
        res.writeHead(302, { location: target.href });
        res.end();
      })().catch(fail);
    } else if (url.pathname === '/cb' && session !== undefined) {
      const { config, iss, verifier, state } = session;
      (async () => {
        const tokens = await oidc.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: verifier,
          expectedState: state,
        });
        const patientId = typeof tokens['patient'] === 'string' ? tokens['patient'] : '';
        const read = await oidc.fetchProtectedResource(
          config,
          tokens.access_token,
          new URL(`${iss}/Patient/${patientId}`),
          'GET',
        );
        res.writeHead(200, { 'content-type': 'application/json' });
        const patient: unknown = await read.json();
        res.end(JSON.stringify({ patientId, patient, scope: tokens.scope }));
      })().catch(fail);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
