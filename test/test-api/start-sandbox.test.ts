import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import {
  generateSigningKeys,
  SandboxApiError,
  startSandbox,
  type ClientConfig,
  type RunningSandbox,
  type StartSandboxOptions,
} from '../../server/test-api/index.js';
import { backend, introspect, sandboxStarter, tokenRequest } from '../helpers/test-api.js';

// The package's main export, used over real sockets as a test suite outside this repository uses it.

const app: ClientConfig = {
  clientId: 'app',
  redirectUris: ['http://127.0.0.1:5555/cb'],
  tokenEndpointAuthMethod: 'none',
  scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
  launchUrl: 'http://127.0.0.1:5555/launch',
};

const start = sandboxStarter({ clients: [backend, app] });

async function fhirRead(s: RunningSandbox, path: string, token: string): Promise<Response> {
  return fetch(`${s.urls.fhirBase}/${path}`, { headers: { authorization: `Bearer ${token}` } });
}

describe('startSandbox: a sandbox in process, on 127.0.0.1', () => {
  it('gives URLs that answer: discovery names the same issuer and token endpoint', async () => {
    const s = await start();
    expect(s.urls.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const discovery = (await (await fetch(s.urls.discovery)).json()) as Record<string, unknown>;
    expect(discovery['issuer']).toBe(s.urls.issuer);
    expect(discovery['token_endpoint']).toBe(s.urls.token);
    const jwks = (await (await fetch(s.urls.jwks)).json()) as { keys: unknown[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    const workbench = await fetch(s.urls.workbench);
    expect(workbench.status).toBe(200);
    expect(s.urls.workbench).toContain(encodeURIComponent(s.adminToken));
  });

  it('follows the profile option: the medirecords profile answers at its own token path', async () => {
    const s = await start({ profile: 'medirecords' });
    const discovery = (await (await fetch(s.urls.discovery)).json()) as Record<string, unknown>;
    expect(s.urls.token).not.toBe(`${s.urls.issuer}/token`);
    expect(discovery['token_endpoint']).toBe(s.urls.token);
  });

  it('refuses a bad client with the config file message naming the field', async () => {
    const bad = { ...backend, tokenEndpointAuthMethod: 'client_secret_jwt' } as unknown as ClientConfig;
    await expect(startSandbox({ clients: [bad] })).rejects.toThrow(
      /startSandbox options is not a valid token-sandbox config: clients\[0\]\.tokenEndpointAuthMethod: /,
    );
  });

  it('refuses an unknown option, and a port out of range, naming what was expected', async () => {
    const typo = { prot: 0 } as unknown as StartSandboxOptions;
    await expect(startSandbox(typo)).rejects.toThrow(
      'startSandbox: unknown option prot; expected: profile, clients, issuers, config, port, dataDir, signingKeys',
    );
    for (const [wrong, named] of [
      [null, 'null'],
      ['smart', 'string'],
      [[], 'an array'],
    ] as const) {
      await expect(startSandbox(wrong as unknown as StartSandboxOptions)).rejects.toThrow(
        `startSandbox: options must be an object (profile, clients, issuers, config, port, dataDir, signingKeys), got ${named}`,
      );
    }
    await expect(startSandbox({ port: 70000 })).rejects.toThrow(
      'startSandbox: port must be a whole number from 0 to 65535, got 70000',
    );
  });

  it('shares signing keys made once by generateSigningKeys: two sandboxes publish the same key', async () => {
    const signingKeys = await generateSigningKeys();
    const [a, b] = await Promise.all([start({ signingKeys }), start({ signingKeys })]);
    const kid = async (s: RunningSandbox) =>
      ((await (await fetch(s.urls.jwks)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(await kid(a)).toEqual(await kid(b));
  });

  // The keys are for many sandboxes, not for the issuers of one: an issuer signing with the root's key publishes
  // the root's kid, so a token of one verifies against another's JWKS (README "Many issuers": its own keys).
  it('an issuer beside the default one signs with a key of its own, signingKeys or not', async () => {
    const s = await start({ issuers: [{ name: 'two', profile: 'smart' }] });
    const kids = async (url: string) =>
      ((await (await fetch(url)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const [root, two] = await Promise.all([
      kids(s.urls.jwks),
      kids(`${s.urls.issuer}/i/two/.well-known/jwks.json`),
    ]);
    expect(two.filter((kid) => root.includes(kid))).toEqual([]);
  });
});

describe('issueToken: a valid token without the authorization dance', () => {
  it('a system token passes introspection and a FHIR read, and is listed under grants', async () => {
    const s = await start();
    const tokens = await s.issueToken({ clientId: 'backend', scope: 'system/*.rs' });
    expect(await introspect(s, tokens.access_token)).toMatchObject({
      active: true,
      client_id: 'backend',
      scope: 'system/*.rs',
    });
    expect((await fhirRead(s, 'Patient/pat-1', tokens.access_token)).status).toBe(200);
    const grants = await fetch(`${s.urls.issuer}/_sandbox/api/grants?clientId=backend`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    expect(((await grants.json()) as { grants: { kind: string }[] }).grants).toEqual([
      expect.objectContaining({ kind: 'access_token' }),
    ]);
  });

  it('a user token carries the patient, an id_token and a refresh token, and userinfo answers', async () => {
    const s = await start();
    const tokens = await s.issueToken({
      clientId: 'app',
      scope: ['openid', 'fhirUser', 'launch/patient', 'patient/*.rs', 'offline_access'],
      patient: 'pat-2',
    });
    expect(tokens.patient).toBe('pat-2');
    expect(tokens.id_token).toEqual(expect.any(String));
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const userinfo = await fetch(s.urls.userinfo, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ fhirUser: `${s.urls.fhirBase}/Practitioner/prac-1` });
    expect((await fhirRead(s, 'Patient/pat-2', tokens.access_token)).status).toBe(200);
  });

  it('refuses an unknown client and a scope beyond the client, naming the field', async () => {
    const s = await start();
    await expect(s.issueToken({ clientId: 'nobody', scope: 'system/*.rs' })).rejects.toThrow(
      'issueToken: clientId: no client "nobody" is registered; expected one of: backend, app',
    );
    await expect(s.issueToken({ clientId: 'backend', scope: 'system/*.cruds' })).rejects.toThrow(
      'issueToken: scope: not allowed for client backend: system/*.cruds (its scope is: system/*.rs)',
    );
  });
});

describe('the handle changes the running sandbox', () => {
  it('addClient registers a client the token endpoint accepts; removeClient takes it away', async () => {
    const s = await start({ clients: [] });
    expect((await tokenRequest(s)).status).toBe(401);
    await s.addClient(backend);
    expect((await tokenRequest(s)).status).toBe(200);
    await s.removeClient('backend');
    expect((await tokenRequest(s)).status).toBe(401);
  });

  it('addClient throws the admin API message with the field at fault', async () => {
    const s = await start({ clients: [] });
    const error = await s
      .addClient({ ...backend, clientSecret: undefined as unknown as string })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxApiError);
    expect(error).toMatchObject({ operation: 'addClient', code: 'invalid_input', field: 'clientSecret' });
    await expect(s.removeClient('ghost')).rejects.toThrow('removeClient: no client ghost');
  });

  it('an armed failure fires at /token; disarmed, the token endpoint answers again', async () => {
    const s = await start();
    await s.armFailure({ id: 'token.server_error' });
    const failed = await tokenRequest(s);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: 'server_error' });
    await s.disarmFailure('token.server_error');
    expect((await tokenRequest(s)).status).toBe(200);
    await s.armFailure({ id: 'token.invalid_client', times: 1 });
    expect((await tokenRequest(s)).status).toBe(401);
    expect((await tokenRequest(s)).status).toBe(200);
  });

  it('launch mints an EHR launch whose URL opens the app with iss and launch', async () => {
    const s = await start();
    const launched = await s.launch({ clientId: 'app', patient: 'pat-3' });
    const url = new URL(launched.url ?? '');
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:5555/launch');
    expect(url.searchParams.get('iss')).toBe(s.urls.fhirBase);
    expect(url.searchParams.get('launch')).toBe(launched.launch);
    expect(launched.context.patient).toBe('pat-3');
  });

  it('setClockOffset moves the clock past expiry: the token is inactive and the FHIR base refuses it', async () => {
    const s = await start();
    const { access_token: token, expires_in: lifetime } = await s.issueToken({
      clientId: 'backend',
      scope: 'system/*.rs',
    });
    const clock = await s.setClockOffset(lifetime + 60);
    expect(clock.offsetSeconds).toBe(lifetime + 60);
    expect(await introspect(s, token)).toEqual({ active: false });
    expect((await fhirRead(s, 'Patient/pat-1', token)).status).toBe(401);
  });

  it('queueClaims puts custom claims in the next token only, and refuses a reserved claim by name', async () => {
    const s = await start();
    const queued = await s.queueClaims('backend', { claims: { tenant: 'north' } });
    expect(queued.queued).toEqual([{ claims: { tenant: 'north' }, remaining: 1 }]);
    const first = (await (await tokenRequest(s)).json()) as { access_token: string };
    const second = (await (await tokenRequest(s)).json()) as { access_token: string };
    expect(decodeJwt(first.access_token)['tenant']).toBe('north');
    expect(decodeJwt(second.access_token)['tenant']).toBeUndefined();
    await expect(s.queueClaims('backend', { claims: { exp: 1 } })).rejects.toThrow(/exp is a reserved claim/);
  });

  it('rotateKeys then retireKey: a token signed by the retired key stops verifying at the FHIR base', async () => {
    const s = await start();
    const { access_token: token } = await s.issueToken({ clientId: 'backend', scope: 'system/*.rs' });
    expect((await fhirRead(s, 'Patient/pat-1', token)).status).toBe(200);
    const rotation = await s.rotateKeys(600);
    const old = rotation.replaced.find((k) => k.kid === decodeProtectedHeader(token).kid);
    expect(old?.state).toBe('published');
    expect((await fhirRead(s, 'Patient/pat-1', token)).status).toBe(200);
    expect((await s.retireKey(old?.kid ?? '')).state).toBe('retired');
    const refused = await fhirRead(s, 'Patient/pat-1', token);
    expect(refused.status).toBe(401);
    expect(JSON.stringify(await refused.json())).toMatch(/retired/);
  });

  it('waitForExchange resolves with the matching exchange, including one recorded before the call', async () => {
    const s = await start();
    const waiting = s.waitForExchange((e) => e.path === '/token' && e.status === 200);
    await tokenRequest(s);
    const exchange = await waiting;
    expect(exchange).toMatchObject({ method: 'POST', clientId: 'backend', verdict: { outcome: 'accepted' } });
    const again = await s.waitForExchange((e) => e.clientId === 'backend');
    expect(again.seq).toBe(exchange.seq);
  });

  it('waitForExchange times out with an error that names what it waited for', async () => {
    const s = await start();
    await tokenRequest(s, 'backend', 'wrong-secret');
    await expect(
      s.waitForExchange((e) => e.status === 200, {
        timeoutMs: 50,
        description: 'a successful token request',
      }),
    ).rejects.toThrow(
      /^waitForExchange: no exchange matched a successful token request within 50 ms; the log holds 1 exchange\(s\), the last: POST \/token → 401$/,
    );
  });
});

/** Sockets, servers and timers alive now, once fetch's pool has let go of sockets closed by an earlier test. */
async function activeResources(): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return process.getActiveResourcesInfo().sort();
}

describe('bad arguments', () => {
  it('waitForExchange refuses a timeoutMs setTimeout cannot keep instead of giving up at once', async () => {
    const s = await start();
    for (const timeoutMs of [2 ** 31, Infinity, -5, Number.NaN, 1.5]) {
      await expect(s.waitForExchange(() => false, { timeoutMs })).rejects.toMatchObject({
        name: 'SandboxApiError',
        field: 'timeoutMs',
      });
    }
  });
});

describe('startSandbox from plain JavaScript', () => {
  it('refuses signingKeys that are not generateSigningKeys() output instead of ignoring them', async () => {
    for (const signingKeys of ['x', { keys: 'x' }, { keys: [{ alg: 'RS256' }] }]) {
      await expect(startSandbox({ signingKeys } as unknown as StartSandboxOptions)).rejects.toMatchObject({
        name: 'SandboxApiError',
        field: 'signingKeys',
      });
    }
  });
});

describe('issueToken from plain JavaScript', () => {
  it('names the field of a wrong-typed request instead of throwing a bare TypeError', async () => {
    const s = await start();
    const call = (request: unknown) => s.issueToken(request as Parameters<RunningSandbox['issueToken']>[0]);
    await expect(call({ clientId: 'backend', scope: 5 })).rejects.toMatchObject({
      name: 'SandboxApiError',
      field: 'scope',
    });
    await expect(call(null)).rejects.toMatchObject({ name: 'SandboxApiError', field: 'clientId' });
    await expect(call({ clientId: 'app', scope: 'patient/*.rs', patient: 1 })).rejects.toMatchObject({
      name: 'SandboxApiError',
      field: 'patient',
    });
  });

  it('refuses a patient without launch/patient, which would put no patient in the token', async () => {
    const s = await start();
    await expect(
      s.issueToken({ clientId: 'app', scope: 'openid patient/*.rs', patient: 'pat-1' }),
    ).rejects.toMatchObject({
      name: 'SandboxApiError',
      field: 'patient',
      message: expect.stringContaining('add launch/patient to scope') as unknown,
    });
  });
});

describe('close', () => {
  it('releases every handle: active resources return to what they were before the start', async () => {
    const before = await activeResources();
    const s = await startSandbox({ clients: [backend], signingKeys: inject('signingKeys') });
    await tokenRequest(s); // a keep-alive socket from fetch, closed with the server
    const waiting = s.waitForExchange(() => false, { timeoutMs: 60_000 });
    await s.close();
    await expect(waiting).rejects.toThrow('waitForExchange: the sandbox was closed while waiting');
    await s.close(); // twice is harmless
    // Nothing of any kind more than before: a timer of the runner's own may have ended meanwhile.
    const after = await activeResources();
    const count = (list: string[]) =>
      Object.fromEntries([...new Set(list)].map((k) => [k, list.filter((x) => x === k).length]));
    const leaked = Object.entries(count(after)).filter(([kind, n]) => n > (count(before)[kind] ?? 0));
    expect(leaked).toEqual([]);
    await expect(s.issueToken({ clientId: 'backend', scope: 'system/*.rs' })).rejects.toThrow(
      'issueToken: the sandbox is closed',
    );
    await expect(fetch(s.urls.discovery)).rejects.toThrow();
  });
});
