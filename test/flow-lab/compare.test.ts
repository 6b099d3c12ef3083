import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { compareExchanges, differenceCount, type ExchangeSide } from '../../renderer/flow-lab/compare.js';
import { flowById, INITIAL_STATE, type FlowContext } from '../../renderer/flow-lab/flows.js';
import { runStep, type WalkedStep } from '../../renderer/flow-lab/runner.js';
import {
  requestBody,
  type Transport,
  type WireRequest,
  type WireResponse,
} from '../../renderer/flow-lab/wire.js';
import { ADMIN_TOKEN, ORIGIN as SANDBOX_ORIGIN, startSandbox } from '../helpers/sandbox.js';

const ORIGIN = 'http://127.0.0.1:9710';

function side(
  name: string,
  request: WireRequest | undefined,
  response: WireResponse | undefined,
): ExchangeSide {
  return {
    request,
    response,
    origin: ORIGIN,
    issuer: `${ORIGIN}/i/${name}`,
    admin: `/_sandbox/api/issuers/${name}`,
  };
}

function exchange(name: string, tokenPath: string, code: string): WireRequest {
  return {
    method: 'POST',
    url: `${ORIGIN}/i/${name}${tokenPath}`,
    headers: {},
    form: {
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${ORIGIN}/_sandbox/callback`,
      code_verifier: `verifier-of-${name}`,
      client_id: 'flow-lab-public',
    },
  };
}

function json(
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): WireResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
    redirectedTo: undefined,
  };
}

const row = (rows: ReturnType<typeof compareExchanges>, section: string, name: string) =>
  rows.find((r) => r.section === section && r.name === name);

describe('comparing one step against two issuers (Flow Lab "Compare issuers")', () => {
  const rows = compareExchanges(
    side(
      'medirecords',
      exchange('medirecords', '/oauth/smartauth/token', 'code-a'),
      json(
        200,
        {
          access_token: 'at-a',
          token_type: 'Bearer',
          expires_in: 3600,
          scope: 'openid patient/*.rs',
          patient: 'pat-1',
        },
        { 'access-control-allow-origin': '*' },
      ),
    ),
    side(
      'iehr',
      exchange('iehr', '/oauth2/token', 'code-b'),
      json(200, { access_token: 'at-b', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-b' }),
    ),
  );

  it('marks the token endpoints as different paths, each under its own issuer', () => {
    expect(row(rows, 'endpoint', 'url')).toMatchObject({
      kind: 'differs',
      left: `${ORIGIN}/i/medirecords/oauth/smartauth/token`,
      right: `${ORIGIN}/i/iehr/oauth2/token`,
    });
    expect(row(rows, 'endpoint', 'method')?.kind).toBe('same');
  });

  it('names the fields only one issuer answers with, on the side that has them', () => {
    expect(row(rows, 'field', 'patient')).toMatchObject({
      kind: 'only-left',
      left: 'pat-1',
      right: undefined,
    });
    expect(row(rows, 'field', 'scope')?.kind).toBe('only-left');
    expect(row(rows, 'field', 'refresh_token')).toMatchObject({ kind: 'only-right', right: 'rt-b' });
    expect(row(rows, 'header', 'access-control-allow-origin')?.kind).toBe('only-left');
  });

  it('does not call per-walk values (codes, verifiers, tokens) differences, only their absence', () => {
    expect(row(rows, 'param', 'code')).toMatchObject({ kind: 'same', perWalk: true, left: 'code-a' });
    expect(row(rows, 'param', 'code_verifier')?.kind).toBe('same');
    expect(row(rows, 'field', 'access_token')?.kind).toBe('same');
    expect(row(rows, 'field', 'expires_in')).toMatchObject({ kind: 'same', left: '3600', right: '3600' });
  });

  it('compares URLs under each issuer by what follows the issuer, and the shared callback as it is', () => {
    expect(row(rows, 'param', 'redirect_uri')?.kind).toBe('same');
    const aud = (name: string): WireRequest => ({
      method: 'GET',
      url: `${ORIGIN}/i/${name}/oauth/authorize?aud=${encodeURIComponent(`${ORIGIN}/i/${name}/fhir`)}`,
      headers: {},
    });
    const [, url, aud1] = compareExchanges(
      side('medirecords', aud('medirecords'), undefined),
      side('iehr', aud('iehr'), undefined),
    );
    expect(url?.kind).toBe('same');
    expect(aud1).toMatchObject({ name: 'aud', kind: 'same' });
  });

  it('tells apart status codes and the error words of two refusals', () => {
    const refusals = compareExchanges(
      side(
        'medirecords',
        exchange('medirecords', '/oauth/smartauth/token', 'x'),
        json(401, { error: 'invalid_client', error_description: 'Client_id not found/authorised' }),
      ),
      side('iehr', exchange('iehr', '/oauth2/token', 'y'), json(400, { error: 'invalid_client' })),
    );
    expect(row(refusals, 'status', 'status')).toMatchObject({ kind: 'differs', left: '401', right: '400' });
    expect(row(refusals, 'outcome', 'outcome')).toMatchObject({
      kind: 'same',
      left: 'rejected: invalid_client',
    });
    expect(row(refusals, 'field', 'error_description')?.kind).toBe('only-left');
    expect(differenceCount(refusals)).toBe(3);
  });

  it('reads a redirect as a redirect and compares its parameters', () => {
    const redirected = (code: string): WireResponse => ({
      status: 200,
      headers: {},
      body: '<html></html>',
      redirectedTo: `${ORIGIN}/_sandbox/callback?code=${code}&state=s1`,
    });
    const rows2 = compareExchanges(
      side('medirecords', undefined, redirected('c1')),
      side('iehr', undefined, {
        ...redirected('c2'),
        redirectedTo: `${ORIGIN}/_sandbox/callback?error=access_denied`,
      }),
    );
    expect(row(rows2, 'status', 'status')).toMatchObject({ kind: 'same', left: 'redirect' });
    expect(row(rows2, 'outcome', 'outcome')).toMatchObject({
      kind: 'differs',
      left: 'accepted',
      right: 'rejected: access_denied',
    });
    expect(row(rows2, 'redirect', 'code')?.kind).toBe('only-left');
    expect(row(rows2, 'redirect', 'error')?.kind).toBe('only-right');
  });

  it('has nothing to compare for a step the app does alone', () => {
    expect(compareExchanges(side('a', undefined, undefined), side('b', undefined, undefined))).toEqual([]);
  });
});

/** The walk's transport answered by the app itself; a redirect is reported as the browser would follow it. */
function injectTransport(app: FastifyInstance): Transport {
  return async (request) => {
    const url = new URL(request.url);
    const sent = requestBody(request);
    const res = await app.inject({
      method: request.method,
      url: `${url.pathname}${url.search}`,
      headers: {
        host: url.host,
        ...request.headers,
        ...(sent === undefined ? {} : { 'content-type': sent.contentType }),
      },
      ...(sent === undefined ? {} : { payload: sent.body }),
    });
    const location = res.headers.location;
    const redirected = res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string';
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = String(v);
    return {
      status: redirected ? 200 : res.statusCode,
      headers: flat,
      body: redirected ? '' : res.body,
      redirectedTo: redirected ? new URL(location, request.url).toString() : undefined,
    };
  };
}

describe('one walk per issuer, each through its own admin prefix and discovery', () => {
  it('walks code + PKCE against MediRecords and iEHR; the exchanges differ where the vendors do', async () => {
    const { app } = await startSandbox({
      issuers: [
        { name: 'medirecords', profile: 'medirecords' },
        { name: 'iehr', profile: 'iehr' },
      ],
    });
    try {
      const transport = injectTransport(app);
      const ctxOf = (name: string): FlowContext => ({
        origin: SANDBOX_ORIGIN,
        adminToken: ADMIN_TOKEN,
        issuer: {
          admin: `/_sandbox/api/issuers/${name}`,
          base: `${SANDBOX_ORIGIN}/i/${name}`,
          fhirBase: `${SANDBOX_ORIGIN}/i/${name}/fhir`,
        },
      });
      const walk = async (name: string): Promise<WalkedStep[]> => {
        let state = INITIAL_STATE;
        const walked: WalkedStep[] = [];
        for (const step of flowById('code-pkce-public').steps.slice(0, 5)) {
          const done = await runStep(step, state, ctxOf(name), transport);
          walked.push(done);
          state = done.after;
        }
        return walked;
      };
      const [mr, iehr] = [await walk('medirecords'), await walk('iehr')];
      // The Flow Lab's client is registered with each issuer, not with the default one.
      expect(mr[0]?.request?.url).toBe(
        `${SANDBOX_ORIGIN}/_sandbox/api/issuers/medirecords/clients/flow-lab-public`,
      );
      expect(mr[0]?.response?.status).toBe(201);
      const root = await app.inject({
        url: '/_sandbox/api/clients',
        headers: { host: '127.0.0.1:9710', authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(root.body).not.toContain('flow-lab-public');
      // Each side read its own discovery, and so exchanged its code at its own vendor's token path.
      expect(iehr[1]?.request?.url).toBe(`${SANDBOX_ORIGIN}/i/iehr/fhir/.well-known/smart-configuration`);
      const sideOf = (walked: WalkedStep[], name: string): ExchangeSide => ({
        request: walked[4]?.request,
        response: walked[4]?.response,
        origin: SANDBOX_ORIGIN,
        issuer: `${SANDBOX_ORIGIN}/i/${name}`,
        admin: `/_sandbox/api/issuers/${name}`,
      });
      const rows = compareExchanges(sideOf(mr, 'medirecords'), sideOf(iehr, 'iehr'));
      expect(row(rows, 'outcome', 'outcome')).toMatchObject({ kind: 'same', left: 'accepted' });
      expect(row(rows, 'endpoint', 'url')).toMatchObject({
        kind: 'differs',
        left: `${SANDBOX_ORIGIN}/i/medirecords/oauth/smartauth/token`,
        right: `${SANDBOX_ORIGIN}/i/iehr/oauth2/token`,
      });
      expect(row(rows, 'field', 'patient')?.kind).toBe('only-left');
      expect(row(rows, 'field', 'refresh_token')?.kind).toBe('only-right');
    } finally {
      await app.close();
    }
  });
});
