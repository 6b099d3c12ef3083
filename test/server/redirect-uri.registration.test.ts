import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { ManualClock } from '../../server/clock.js';
import type { ClientConfig } from '../../server/config/schema.js';
import { ConfigError, parseConfig } from '../../server/config/validate.js';
import {
  ADMIN_TOKEN,
  ORIGIN,
  admin,
  authorize,
  startSandbox,
  stateFileHolding,
  type TestSandbox,
} from '../helpers/sandbox.js';

/** Redirect URIs a client must not be able to register, and why each is dangerous or unusable. */
const REFUSED: readonly (readonly [string, RegExp])[] = [
  ['javascript:alert(document.cookie)', /javascript: scheme/],
  ['JavaScript://%0aalert(1)', /javascript: scheme/],
  ['data:text/html,<script>alert(1)</script>', /data: scheme/],
  ['vbscript:msgbox(1)', /vbscript: scheme/],
  ['file:///etc/passwd', /file: scheme/],
  ['myapp:/cb', /neither http\(s\) nor a reverse-domain private-use scheme/],
  ['https://app.example/c b', /space or a control character/],
  ['https://app.example/cb\r\nSet-Cookie: x=1', /space or a control character/],
  ['https://app.example/cb#frag', /fragment/],
  ['http://127.0.0.1:99999/cb', /expected an absolute URL, got/],
  ['/relative/cb', /expected an absolute URL, got/],
];

const ACCEPTED = [
  'https://app.example/cb',
  'http://127.0.0.1/cb',
  'http://[::1]:8080/cb',
  'com.example.app:/oauth2redirect',
  'com.example.app://cb',
];

function codeClient(redirectUri: string): ClientConfig {
  return { clientId: 'native', redirectUris: [redirectUri], tokenEndpointAuthMethod: 'none' };
}

function configIssues(doc: unknown): string {
  try {
    parseConfig(doc);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
}

describe('redirect URI registration (RFC 8252 §7.1, RFC 6749 §3.1.2)', () => {
  it.each(REFUSED)('the config file refuses %j, naming the field and the URI', (uri, why) => {
    const message = configIssues({ clients: [codeClient(uri)] });
    expect(message).toContain('clients[0].redirectUris[0]');
    expect(message).toMatch(why);
    expect(message).toContain(JSON.stringify(uri).slice(0, 12));
  });

  it('says which form is expected when the scheme is wrong', () => {
    expect(configIssues({ clients: [codeClient('javascript:alert(1)')] })).toContain(
      'expected an http(s) URL or a private-use scheme in reverse-domain form such as com.example.app:/cb',
    );
  });

  it('accepts http(s) URLs and reverse-domain private-use schemes', () => {
    for (const uri of ACCEPTED) expect(configIssues({ clients: [codeClient(uri)] }), uri).toBe('');
  });

  describe('through the admin API', () => {
    let t: TestSandbox;
    afterEach(async () => {
      await t.app.close();
    });

    it('refuses a javascript: redirect URI on POST and PUT /clients with 400 naming it', async () => {
      t = await startSandbox();
      const bad = codeClient('javascript:alert(1)');
      for (const [method, url] of [
        ['POST', '/clients'],
        ['PUT', '/clients/native'],
      ] as const) {
        const res = await admin(t.app, method, url, bad);
        expect(res.statusCode, method).toBe(400);
        expect(res.json(), method).toMatchObject({ error: 'invalid_input', field: 'redirectUris[0]' });
        expect(res.json<{ message: string }>().message, method).toContain('"javascript:alert(1)"');
      }
      expect((await admin(t.app, 'GET', '/clients/native')).statusCode).toBe(404);
      const ok = await admin(t.app, 'POST', '/clients', codeClient('com.example.app:/cb'));
      expect(ok.statusCode).toBe(201);
    });
  });

  it('stops start-up on a state file holding a dangerous redirect URI, saying which', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-redirect-'));
    try {
      await writeFile(
        path.join(dir, 'state.json'),
        JSON.stringify(stateFileHolding({ clients: [codeClient('javascript:alert(1)')] })),
      );
      const start = buildServer({
        config: {},
        dataDir: dir,
        clock: new ManualClock(Date.now()),
        origin: ORIGIN,
        adminToken: ADMIN_TOKEN,
      });
      await expect(start).rejects.toThrow(
        /state\.json.*clients\[0\]\.redirectUris\[0\]: "javascript:alert\(1\)" uses the javascript: scheme/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('malformed redirect_uri at the authorization endpoint (RFC 6749 §4.1.2.1)', () => {
  let t: TestSandbox;
  afterEach(async () => {
    await t.app.close();
  });

  it.each(['http://127.0.0.1:99999/cb', 'http://127.0.0.1:5555/c b'])(
    'answers %j with an invalid_request page, not a server error and not a redirect',
    async (sent) => {
      t = await startSandbox({
        clients: [
          {
            clientId: 'native',
            redirectUris: ['http://127.0.0.1/cb', 'http://127.0.0.1:5555/cb'],
            tokenEndpointAuthMethod: 'none',
          },
        ],
      });
      const { response } = await authorize(t.app, { client_id: 'native', redirect_uri: sent });
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain('invalid_request');
      expect(response.body).not.toContain('server_error');
    },
  );
});
