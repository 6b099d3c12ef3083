import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import {
  admin,
  authorize,
  basic,
  confidentialClient,
  fhirGet,
  postForm,
  redeem,
  startSandbox,
  type TestSandbox,
} from '../helpers/sandbox.js';
import type { ClientConfig } from '../../server/config/schema.js';
import { FAILURE_CATALOG } from '../../server/failures/catalog.js';
import type { FailureId } from '../../server/failures/ids.js';
import { BUILT_IN_PROFILES, type BuiltInProfileName } from '../../server/profiles/profile.js';

/**
 * An armed failure is indistinguishable from the genuine error it imitates, under every profile: the same
 * status, the headers a client reads (content-type, Cache-Control, Pragma, WWW-Authenticate, Retry-After),
 * the same body fields, error code and, where the profile words the case, the same words. Where the sandbox
 * words it itself, the genuine text names details of the request (a time, a hash) that an injection cannot
 * know, so both must open with the same words. The verdict header is turned off: it is the sandbox's own
 * addition, documented as such.
 */

const conf = basic('conf-app', 's3cret');
const serviceOnly: ClientConfig = {
  clientId: 'svc-app',
  clientSecret: 'svc-s3cret',
  grantTypes: ['client_credentials'],
  scope: 'system/*.rs',
  tokenEndpointAuthMethod: 'client_secret_basic',
};
const WRONG_VERIFIER = 'x'.repeat(43);
const COMPARED_HEADERS = ['content-type', 'cache-control', 'pragma', 'www-authenticate', 'retry-after'];

/** A request that meets the situation for real, and the request that meets the armed failure instead. */
interface Case {
  readonly genuine: () => Promise<LightMyRequestResponse>;
  /** What the armed request needs, obtained before the failure is armed. */
  readonly prepare?: () => Promise<string>;
  readonly armed: (prepared: string) => Promise<LightMyRequestResponse>;
}

/** The opening words, with the names of this request's client and grant left out. */
function lead(text: string): string {
  return text
    .replace(/\b(conf-app|svc-app|password|authorization_code|client_credentials)\b/g, '…')
    .split(/\s+/)
    .slice(0, 3)
    .join(' ');
}

/** What a client can see of an answer: status, headers, and the error wherever it travels. */
function seen(response: LightMyRequestResponse) {
  const headers = Object.fromEntries(
    COMPARED_HEADERS.filter((h) => response.headers[h] !== undefined).map((h) => [
      h,
      // A Bearer challenge carries the description: compared by its opening words like the body.
      String(response.headers[h]).replace(
        /error_description="([^"]*)"/,
        (_m, d: string) => `lead="${lead(d)}"`,
      ),
    ]),
  );
  const location = response.headers.location;
  if (typeof location === 'string') {
    const query = new URL(location).searchParams;
    // A redirect's status follows the request's method (302 for GET, 303 after the consent form's POST).
    return {
      status: 'redirect',
      headers,
      keys: [...query.keys()].filter((k) => k !== 'state').sort(),
      error: query.get('error'),
      description: lead(query.get('error_description') ?? ''),
    };
  }
  const body = response.json<Record<string, unknown>>();
  const issue = (body['issue'] as { code: string; diagnostics: string }[] | undefined)?.[0];
  const sent = body['error_description'];
  const description = typeof sent === 'string' ? sent : (issue?.diagnostics ?? '');
  return {
    status: response.statusCode,
    headers,
    keys: Object.keys(body).sort(),
    error: body['error'] ?? body['resourceType'],
    issue: issue?.code,
    description,
  };
}

describe.each(Object.keys(BUILT_IN_PROFILES) as BuiltInProfileName[])(
  'under the %s profile, an armed failure answers as the genuine error does',
  (name) => {
    const profile = BUILT_IN_PROFILES[name];
    const TOKEN = profile.tokenPath;
    const AUTHORIZE = profile.authorizePath;
    let t: TestSandbox;
    beforeAll(async () => {
      t = await startSandbox({
        profile: name,
        authorize: { mode: 'auto' },
        clients: [confidentialClient, serviceOnly],
        exchangeLog: { verdictHeader: false },
      });
    });
    afterAll(async () => {
      await t.app.close();
    });

    async function code(
      scope = 'openid fhirUser launch/patient patient/*.rs offline_access',
    ): Promise<string> {
      const { code } = await authorize(t.app, { scope }, AUTHORIZE);
      if (code === undefined) throw new Error('no code');
      return code;
    }
    const redeemAt = (c: string, overrides: Record<string, string | undefined> = {}) =>
      redeem(t.app, c, overrides, { authorization: conf }, TOKEN);
    async function accessToken(scope?: string): Promise<string> {
      return (await redeemAt(await code(scope))).json<{ access_token: string }>().access_token;
    }
    async function refreshToken(): Promise<string> {
      const body = (await redeemAt(await code())).json<{ refresh_token?: string }>();
      if (body.refresh_token === undefined) throw new Error('no refresh token');
      return body.refresh_token;
    }
    async function armed(id: FailureId, request: () => Promise<LightMyRequestResponse>) {
      const res = await admin(t.app, 'POST', '/failures', { id, times: 1 });
      expect(res.statusCode, res.body).toBe(201);
      const answer = await request();
      await admin(t.app, 'DELETE', '/failures');
      return answer;
    }
    const serves = (grant: string) => (profile.grantTypes as readonly string[]).includes(grant);

    /** Every error-kind failure with the genuine request it imitates; absent where the profile has none. */
    const cases: Partial<Record<FailureId, Case>> = {
      'token.invalid_request': {
        genuine: () =>
          postForm(
            t.app,
            TOKEN,
            { grant_type: 'authorization_code', redirect_uri: 'x' },
            { authorization: conf },
          ),
        armed: async () => redeemAt(await code()),
      },
      'token.invalid_client': {
        genuine: async () =>
          redeem(t.app, await code(), {}, { authorization: basic('conf-app', 'wrong') }, TOKEN),
        armed: async () => redeemAt(await code()),
      },
      'token.invalid_grant': {
        genuine: () => redeemAt('not-a-code'),
        armed: async () => redeemAt(await code()),
      },
      'token.unauthorized_client': {
        genuine: () =>
          postForm(
            t.app,
            TOKEN,
            { grant_type: 'authorization_code', code: 'c', redirect_uri: 'x', client_id: 'svc-app' },
            { authorization: basic('svc-app', 'svc-s3cret') },
          ),
        armed: async () => redeemAt(await code()),
      },
      'token.unsupported_grant_type': {
        genuine: () =>
          postForm(t.app, TOKEN, { grant_type: 'password', client_id: 'conf-app' }, { authorization: conf }),
        armed: async () => redeemAt(await code()),
      },
      'token.redirect_uri_mismatch': {
        genuine: async () => redeemAt(await code(), { redirect_uri: 'http://127.0.0.1:5555/other' }),
        armed: async () => redeemAt(await code()),
      },
      'token.missing_code_verifier': {
        genuine: async () => redeemAt(await code(), { code_verifier: undefined }),
        armed: async () => redeemAt(await code()),
      },
      'token.code_verifier_failed': {
        genuine: async () => redeemAt(await code(), { code_verifier: WRONG_VERIFIER }),
        armed: async () => redeemAt(await code()),
      },
      'token.code_consumed': {
        genuine: async () => {
          const c = await code();
          await redeemAt(c);
          return redeemAt(c);
        },
        armed: async () => redeemAt(await code()),
      },
      ...(serves('refresh_token')
        ? {
            'token.refresh_revoked': {
              genuine: async () => {
                const refresh = await refreshToken();
                await postForm(t.app, '/revoke', { token: refresh }, { authorization: conf });
                return postForm(
                  t.app,
                  TOKEN,
                  { grant_type: 'refresh_token', refresh_token: refresh },
                  { authorization: conf },
                );
              },
              prepare: refreshToken,
              armed: (refresh: string) =>
                postForm(
                  t.app,
                  TOKEN,
                  { grant_type: 'refresh_token', refresh_token: refresh },
                  { authorization: conf },
                ),
            },
          }
        : {}),
      ...(serves('client_credentials') && profile.scope.unknownOnClientCredentials === 'refuse'
        ? {
            'token.invalid_scope': {
              genuine: () =>
                postForm(
                  t.app,
                  TOKEN,
                  { grant_type: 'client_credentials', scope: 'nope' },
                  { authorization: conf },
                ),
              armed: () =>
                postForm(
                  t.app,
                  TOKEN,
                  { grant_type: 'client_credentials', scope: 'system/*.rs' },
                  { authorization: conf },
                ),
            },
          }
        : {}),
      'authorize.access_denied': {
        genuine: async () => {
          const interactive = await startSandbox({
            profile: name,
            authorize: { mode: 'interactive' },
            clients: [confidentialClient],
            exchangeLog: { verdictHeader: false },
          });
          const { response } = await authorize(interactive.app, {}, AUTHORIZE);
          const request = /name="request" value="([^"]+)"/.exec(response.body)?.[1] ?? '';
          const denied = await interactive.app.inject({
            method: 'POST',
            url: `${AUTHORIZE}/decision`,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams({ request, decision: 'deny' }).toString(),
          });
          await interactive.app.close();
          return denied;
        },
        armed: async () => (await authorize(t.app, {}, AUTHORIZE)).response,
      },
      'authorize.invalid_scope': {
        genuine: async () => (await authorize(t.app, { scope: 'openid nope' }, AUTHORIZE)).response,
        armed: async () => (await authorize(t.app, {}, AUTHORIZE)).response,
      },
      'fhir.invalid_token': {
        genuine: async () => {
          const token = await accessToken();
          await postForm(t.app, '/revoke', { token }, { authorization: conf });
          return fhirGet(t.app, 'Patient/pat-1', token);
        },
        armed: async () => fhirGet(t.app, 'Patient/pat-1', await accessToken()),
      },
      'fhir.insufficient_scope': {
        genuine: async () =>
          fhirGet(t.app, 'Observation', await accessToken('openid launch/patient patient/Patient.rs')),
        armed: async () => fhirGet(t.app, 'Patient/pat-1', await accessToken()),
      },
    };

    it.each(Object.entries(cases) as [FailureId, Case][])('%s', async (id, c) => {
      const genuine = await c.genuine();
      const prepared = c.prepare === undefined ? '' : await c.prepare();
      const injected = await armed(id, () => c.armed(prepared));
      expect(genuine.statusCode, genuine.body).toBeGreaterThanOrEqual(300);
      const [g, i] = [seen(genuine), seen(injected)];
      const vendorWords: string[] = [
        ...Object.values(profile.errors.descriptionByReason),
        ...Object.values(profile.errors.descriptionByCode),
      ];
      if (vendorWords.includes(g.description)) {
        // The profile words the case as its document does: every byte the same.
        expect(i).toEqual(g);
        expect(injected.body).toBe(genuine.body);
      } else {
        expect({ ...i, description: lead(i.description) }).toEqual({
          ...g,
          description: lead(g.description),
        });
      }
    });

    it('answers every other error failure in the profile’s own shape', async () => {
      const others = [...FAILURE_CATALOG.values()].filter(
        (m) => m.effect.kind === 'error' && m.endpoint === 'token' && !(m.id in cases),
      );
      for (const mode of others) {
        const res = await armed(mode.id, async () => redeemAt(await code()));
        const body = res.json<Record<string, unknown>>();
        expect(Object.keys(body).sort(), mode.id).toEqual([...profile.errors.fields].sort());
        expect(res.headers['cache-control']).toBe('no-store');
        const Class = mode.effect.kind === 'error' ? mode.effect.error({ usedBasic: true }) : undefined;
        expect(res.statusCode, mode.id).toBe(
          profile.errors.status[Class?.code ?? 'server_error'] ?? Class?.status,
        );
      }
    });
  },
);
