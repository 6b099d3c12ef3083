import { describe, expect } from 'vitest';
import {
  admin,
  authorize,
  basic,
  clientCredentials,
  fhirGet,
  lastExchange,
  postForm,
  redeem,
  sandboxTest,
} from '../helpers/sandbox.js';
import { FAILURE_CATALOG, type FailureEndpoint } from '../../server/failures/catalog.js';

/**
 * Every verdict tells the truth: it names what happened, cites the section that governs the endpoint that
 * answered, and reaches a developer without the workbench (the X-Sandbox-Verdict header).
 */

/**
 * Which sections govern which endpoint. RFC 6749 §4.1.2.1 is the authorization endpoint's error response
 * (a redirect); §5.2 is the token endpoint's (a JSON body); a resource server answers per RFC 6750 §3.
 */
const GOVERNS: Readonly<Record<FailureEndpoint, readonly RegExp[]>> = {
  token: [
    /^RFC 6749 §(2\.3(\.\d)?|3\.[123]|4\.1\.2|4\.1\.3|4\.4(\.\d)?|5\.2|6)$/,
    /^RFC 7636 §4\.\d$/,
    /^RFC 7009 §2(\.\d)?$/,
    /^RFC 9700 §4\.[\d.]+$/,
    /^RFC 752[13] §[\d.]+$/,
    /^RFC 9110 §[\d.]+$/,
    /^SMART App Launch 2\.2/,
  ],
  authorize: [
    /^RFC 6749 §(3\.1(\.\d)?|3\.3|4\.1\.1|4\.1\.2\.1|10\.12)$/,
    /^RFC 7636 §4\.\d$/,
    /^RFC 9700 §[\d.]+$/,
    /^RFC 8252 §[\d.]+$/,
    /^SMART App Launch 2\.2/,
  ],
  fhir: [/^RFC 6750 §[\d.]+$/, /^SMART App Launch 2\.2 §scopes$/],
  // The JWKS is a plain HTTP resource (RFC 7517 §5): its failures are HTTP's.
  jwks: [/^RFC 9110 §[\d.]+$/],
};

function citations(rule: string): string[] {
  return rule.split(';').map((c) => c.trim());
}

function ungoverned(endpoint: FailureEndpoint, rule: string | undefined): string[] {
  if (rule === undefined) return ['(no rule)'];
  return citations(rule).filter((c) => !GOVERNS[endpoint].some((re) => re.test(c)));
}

const it = sandboxTest();

describe('verdict citations follow the endpoint that answered', () => {
  it('every injected error cites a section that governs its endpoint', () => {
    for (const mode of FAILURE_CATALOG.values()) {
      if (mode.effect.kind !== 'error') continue;
      const error = mode.effect.error({ usedBasic: false });
      expect(ungoverned(mode.endpoint, error.rule), mode.id).toEqual([]);
    }
  });

  it('an injected 503 at the token endpoint cites RFC 6749 §5.2 and HTTP, not the authorization endpoint', async ({
    t,
  }) => {
    await admin(t.app, 'POST', '/failures', { id: 'token.temporarily_unavailable', times: 1 });
    const res = await clientCredentials(t.app);
    expect(res.statusCode).toBe(503);
    const verdict = (await lastExchange(t.app)).verdict.summary;
    expect(verdict).not.toContain('4.1.2.1');
    expect(verdict).toContain('RFC 6749 §5.2');
  });

  it('every genuine rejection cites a section that governs its endpoint', async ({ t }) => {
    const conf = { authorization: basic('conf-app', 's3cret') };
    const token: (() => Promise<unknown>)[] = [
      () => clientCredentials(t.app, 'conf-app', 'wrong'),
      () => postForm(t.app, '/token', { grant_type: 'password' }, conf),
      () => redeem(t.app, 'not-a-code'),
      async () => redeem(t.app, (await authorize(t.app)).code ?? '', { code_verifier: 'x'.repeat(43) }),
      () => postForm(t.app, '/token', { grant_type: 'client_credentials', scope: 'nope' }, conf),
      () => postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: 'nope' }, conf),
    ];
    const authorizeErrors: (() => Promise<unknown>)[] = [
      () => authorize(t.app, { scope: 'openid nope' }),
      () => authorize(t.app, { code_challenge_method: 'plain' }),
      () => authorize(t.app, { redirect_uri: 'http://evil.example/cb' }),
    ];
    const fhir: (() => Promise<unknown>)[] = [
      () => fhirGet(t.app, 'Patient/pat-1', undefined),
      () => fhirGet(t.app, 'Patient/pat-1', 'not-a-token'),
    ];
    const groups: [FailureEndpoint, (() => Promise<unknown>)[]][] = [
      ['token', token],
      ['authorize', authorizeErrors],
      ['fhir', fhir],
    ];
    for (const [endpoint, requests] of groups) {
      for (const request of requests) {
        await request();
        const entry = await lastExchange(t.app);
        expect(entry.verdict.outcome, entry.path).toBe('rejected');
        const rule = entry.verdict.reasons.at(-1)?.rule;
        expect(ungoverned(endpoint, rule), `${entry.path}: ${entry.verdict.summary}`).toEqual([]);
      }
    }
  });

  it('a real FHIR 401 names its error and rule in the exchange log, not just the status', async ({ t }) => {
    await fhirGet(t.app, 'Patient/pat-1', undefined);
    const entry = await lastExchange(t.app);
    expect(entry.verdict.summary).toBe('rejected: no bearer token was sent — RFC 6750 §3.1');
  });
});

describe('a code burned by a failed check says so on retry', () => {
  it('a failed PKCE check, retried with the right verifier, names the failed check, not a prior use', async ({
    t,
  }) => {
    const { code } = await authorize(t.app);
    const failed = await redeem(t.app, code ?? '', { code_verifier: 'x'.repeat(43) });
    expect(failed.statusCode).toBe(400);
    const retried = await redeem(t.app, code ?? '');
    expect(retried.statusCode).toBe(400);
    const description = retried.json<{ error_description: string }>().error_description;
    expect(description).not.toContain('already used');
    expect(description).toMatch(
      /^this code was burned at \d\d:\d\d:\d\d by a failed redemption \(invalid_grant: PKCE verification failed/,
    );
    expect(description).toContain('start a new authorization');
  });
});

describe('the X-Sandbox-Verdict header', () => {
  it('carries the reason behind iEHR’s terse body, which stays byte for byte the vendor’s', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({ profile: 'iehr' });
    const res = await clientCredentials(t.app, 'conf-app', 'wrong', {
      path: '/oauth2/token',
      params: { client_id: 'conf-app' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('{"error":"invalid_client"}');
    const header = String(res.headers['x-sandbox-verdict']);
    expect(header).toBe('rejected: wrong client_secret for client conf-app - RFC 6749 sec. 2.3');
    expect(header).toMatch(/^[\x20-\x7e]{1,512}$/);
  });

  it('is on every OAuth error response: token, authorization redirect, error page, introspection, userinfo, FHIR', async ({
    t,
  }) => {
    const responses = [
      await clientCredentials(t.app, 'conf-app', 'wrong'),
      (await authorize(t.app, { scope: 'openid nope' })).response,
      (await authorize(t.app, { redirect_uri: 'http://evil.example/cb' })).response,
      await postForm(t.app, '/introspect', { token: 'x' }),
      await t.app.inject({ url: '/userinfo' }),
      await fhirGet(t.app, 'Patient/pat-1', undefined),
    ];
    for (const res of responses) {
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(300);
      expect(String(res.headers['x-sandbox-verdict']), res.body).toMatch(/^rejected: [\x20-\x7e]+$/);
    }
    expect((await clientCredentials(t.app)).headers['x-sandbox-verdict']).toBeUndefined();
  });

  it('keeps a section sign readable in ASCII as "sec. "', async ({ t }) => {
    const granted = await clientCredentials(t.app, 'conf-app', 's3cret', {
      params: { scope: 'system/Observation.rs' },
    });
    const res = await fhirGet(t.app, 'Patient/pat-1', granted.json<{ access_token: string }>().access_token);
    expect(res.statusCode).toBe(403);
    expect(String(res.headers['x-sandbox-verdict'])).toContain('SMART App Launch 2.2 sec. scopes');
  });

  it('is readable by a browser app: CORS exposes it', async ({ t }) => {
    const res = await fhirGet(t.app, 'Patient/pat-1', undefined, { origin: 'http://127.0.0.1:5555' });
    expect(res.headers['access-control-expose-headers']).toContain('X-Sandbox-Verdict');
  });

  it('stays bounded however long the reason', async ({ t }) => {
    const res = await authorize(t.app, { scope: `openid ${'nope'.repeat(400)}` });
    const header = String(res.response.headers['x-sandbox-verdict']);
    expect(header.length).toBe(512);
    expect(header.endsWith('...')).toBe(true);
  });

  it('is switched off with exchangeLog.verdictHeader: false', async ({ sandboxWith }) => {
    const t = await sandboxWith({ exchangeLog: { verdictHeader: false } });
    const res = await clientCredentials(t.app, 'conf-app', 'wrong');
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-sandbox-verdict']).toBeUndefined();
  });
});
