import { describe, expect, it } from 'vitest';
import { diagramModel } from '../../renderer/flow-lab/diagram.js';
import {
  flowById,
  INITIAL_STATE,
  type FlowState,
  type StepDefinition,
} from '../../renderer/flow-lab/flows.js';
import { glossaryFor } from '../../renderer/flow-lab/glossary.js';
import type { WalkedStep } from '../../renderer/flow-lab/runner.js';
import { isLogged, pkceComparison } from '../../renderer/flow-lab/server-side.js';
import type { Verdict } from '../../renderer/api/types.js';
import { familyTimeline, shortToken } from '../../renderer/flow-lab/timeline.js';
import {
  HIDDEN_ADMIN_TOKEN,
  shownHeaders,
  type WireRequest,
  type WireResponse,
} from '../../renderer/flow-lab/wire.js';
import { effectiveEdits, requestValue } from '../../renderer/flow-lab/edits.js';

describe('parameter glossary', () => {
  it('explains each parameter the flows send, citing its rule', () => {
    const sent = new Set<string>();
    for (const flow of ['code-pkce-public', 'refresh-rotation', 'backend-services'] as const) {
      for (const step of flowById(flow).steps)
        if (step.kind === 'http') step.editable.forEach((n) => sent.add(n));
    }
    for (const name of sent) expect(glossaryFor('param', name)?.rule, name).toMatch(/RFC|SMART|OpenID/);
    expect(glossaryFor('param', 'code_verifier')).toEqual({
      meaning:
        'The secret behind the challenge: the server hashes it and compares with the stored code_challenge.',
      rule: 'RFC 7636 §4.5–4.6',
    });
  });

  it('matches header names whatever their case, and parameter names exactly', () => {
    expect(glossaryFor('header', 'Authorization')?.rule).toBe('RFC 6749 §2.3.1; RFC 6750 §2.1');
    expect(glossaryFor('header', 'cache-control')?.rule).toBe('RFC 6749 §5.1');
    expect(glossaryFor('param', 'Code_Verifier')).toBeUndefined();
  });

  it('tells the token response’s fields from the request’s parameters', () => {
    expect(glossaryFor('response', 'refresh_token')?.rule).toBe('RFC 6749 §1.5, §6');
    expect(glossaryFor('param', 'refresh_token')?.rule).toBe('RFC 6749 §6; RFC 9700 §4.14.2');
  });

  it('knows nothing of names it was not given, inherited ones included', () => {
    expect(glossaryFor('param', 'x-unknown')).toBeUndefined();
    expect(glossaryFor('param', 'constructor')).toBeUndefined();
    expect(glossaryFor('header', 'toString')).toBeUndefined();
  });
});

describe('headers explained by what they carry and where they went (first-hour 9)', () => {
  const ctx = { origin: 'http://127.0.0.1:9710', adminToken: 'the-admin-token-$"`' };
  /** Step 1 of the public flow: registering the walk's app through the admin API. */
  async function registerRequest(): Promise<WireRequest> {
    const first = flowById('code-pkce-public').steps[0];
    if (first?.kind !== 'http') throw new Error('the public flow does not start with a request');
    return first.build(INITIAL_STATE, ctx);
  }

  it('never shows the admin token of step 1: it shows that it was sent', async () => {
    const register = await registerRequest();
    const rows = shownHeaders(register);
    expect(JSON.stringify(rows)).not.toContain(ctx.adminToken);
    expect(rows).toContainEqual(['Authorization', HIDDEN_ADMIN_TOKEN]);
  });

  it('labels the admin call’s JSON body as JSON, not as a form-encoded token request', async () => {
    const register = await registerRequest();
    const contentType = shownHeaders(register).find(([name]) => name === 'Content-Type');
    expect(contentType).toEqual(['Content-Type', 'application/json']);
    const entry = glossaryFor('header', 'Content-Type', { value: contentType?.[1] ?? '', url: register.url });
    expect(entry?.meaning).not.toMatch(/form-encoded/);
    expect(entry?.meaning).toMatch(/admin API takes JSON/);
  });

  it('explains a Bearer header as a bearer token and a Basic one as client credentials', async () => {
    const register = await registerRequest();
    const fhir: WireRequest = {
      method: 'GET',
      url: 'http://127.0.0.1:9710/fhir/Patient/1',
      headers: { Authorization: 'Bearer eyJhbGciOi' },
    };
    const bearer = glossaryFor('header', 'Authorization', {
      value: 'Bearer eyJhbGciOi',
      url: fhir.url,
    });
    expect(bearer?.meaning).toMatch(/access token/);
    expect(bearer?.meaning).not.toMatch(/Basic|secret/);
    expect(bearer?.rule).toBe('RFC 6750 §2.1');
    const basic = glossaryFor('header', 'authorization', {
      value: 'Basic Zm9vOmJhcg==',
      url: 'http://127.0.0.1:9710/token',
    });
    expect(basic?.rule).toBe('RFC 6749 §2.3.1');
    const admin = glossaryFor('header', 'Authorization', { value: HIDDEN_ADMIN_TOKEN, url: register.url });
    expect(admin?.meaning).toMatch(/admin token/);
  });

  it('reads Cache-Control for what it says, not as a token response’s', () => {
    const url = 'http://127.0.0.1:9710/.well-known/smart-configuration';
    const cached = glossaryFor('response-header', 'cache-control', { value: 'public, max-age=3600', url });
    expect(cached?.meaning).not.toMatch(/must not be cached/);
    expect(cached?.rule).toBe('RFC 9111 §5.2');
    const noStore = glossaryFor('response-header', 'Cache-Control', { value: 'no-store', url });
    expect(noStore?.rule).toBe('RFC 9111 §5.2.2.5; RFC 6749 §5.1');
  });

  it('says what a response body is from its own Content-Type', () => {
    const url = 'http://127.0.0.1:9710/fhir/Patient/1';
    expect(
      glossaryFor('response-header', 'content-type', { value: 'application/fhir+json', url })?.meaning,
    ).toMatch(/FHIR/);
    expect(
      glossaryFor('response-header', 'content-type', { value: 'application/json; charset=utf-8', url })
        ?.meaning,
    ).not.toMatch(/form-encoded/);
  });
});

const refreshStep = flowById('refresh-rotation').steps[5];
if (refreshStep === undefined) throw new Error('the refresh flow has no sixth step');
const step: StepDefinition = refreshStep;

function tokenCall(
  before: readonly string[],
  form: Record<string, string>,
  status: number,
  body: Record<string, string>,
): WalkedStep {
  const issued = typeof body['refresh_token'] === 'string' ? [body['refresh_token']] : [];
  const b: FlowState = { ...INITIAL_STATE, refreshTokens: before };
  const response: WireResponse = { status, headers: {}, body: JSON.stringify(body), redirectedTo: undefined };
  return {
    step,
    request: { method: 'POST', url: 'http://127.0.0.1:1/token', headers: {}, form },
    response,
    edits: {},
    before: b,
    after: { ...b, refreshTokens: [...before, ...issued] },
    durationMs: 1,
  };
}

const RT1 = 'rt1-aaaaaaaaaaaaaaaa';
const RT2 = 'rt2-bbbbbbbbbbbbbbbb';
const RT3 = 'rt3-cccccccccccccccc';
const revokedText = {
  error: 'invalid_grant',
  error_description:
    'this refresh token was already used at 12:00:00 and replaced; reuse revoked the whole grant',
};

describe('refresh token family timeline', () => {
  const issue = tokenCall([], { grant_type: 'authorization_code', code: 'c' }, 200, { refresh_token: RT1 });
  const first = tokenCall([RT1], { grant_type: 'refresh_token', refresh_token: RT1 }, 200, {
    refresh_token: RT2,
  });
  const second = tokenCall([RT1, RT2], { grant_type: 'refresh_token', refresh_token: RT2 }, 200, {
    refresh_token: RT3,
  });

  it('shows RT1 → RT2 → RT3 with the spent tokens rotated and the newest active', () => {
    const timeline = familyTimeline([issue, first, second]);
    expect(timeline.revoked).toBe(false);
    expect(timeline.tokens.map((t) => `${t.label} ${t.state}`)).toEqual([
      'RT1 rotated',
      'RT2 rotated',
      'RT3 active',
    ]);
    expect(timeline.events.map((e) => e.label)).toEqual(['code → RT1', 'RT1 → RT2', 'RT2 → RT3']);
  });

  it('marks every token revoked once a rotated token is reused and the server revokes the grant', () => {
    const reuse = tokenCall(
      [RT1, RT2, RT3],
      { grant_type: 'refresh_token', refresh_token: RT1 },
      400,
      revokedText,
    );
    const after = tokenCall([RT1, RT2, RT3], { grant_type: 'refresh_token', refresh_token: RT3 }, 400, {
      error: 'invalid_grant',
      error_description: 'this refresh token has been revoked',
    });
    const timeline = familyTimeline([issue, first, second, reuse, after]);
    expect(timeline.revoked).toBe(true);
    expect(timeline.tokens.map((t) => t.state)).toEqual(['revoked', 'revoked', 'revoked']);
    expect(timeline.events.slice(3)).toEqual([
      {
        stepIndex: 3,
        label: 'RT1 reused',
        ok: false,
        text: `invalid_grant: ${revokedText.error_description}`,
      },
      {
        stepIndex: 4,
        label: 'RT3 refused',
        ok: false,
        text: 'invalid_grant: this refresh token has been revoked',
      },
    ]);
  });

  it('does not call a refused token that was never rotated a reuse, nor revoke the family for it', () => {
    const wrong = tokenCall([RT1], { grant_type: 'refresh_token', refresh_token: 'typed-by-hand' }, 400, {
      error: 'invalid_grant',
      error_description: 'unknown or revoked refresh token',
    });
    const timeline = familyTimeline([issue, wrong]);
    expect(timeline.revoked).toBe(false);
    expect(timeline.events[1]?.label).toBe('an unknown token refused');
    expect(timeline.tokens[0]?.state).toBe('active');
  });

  it('is empty before any token is issued, and shortens tokens for display', () => {
    expect(familyTimeline([])).toEqual({ tokens: [], events: [], revoked: false });
    expect(shortToken('abcdefghijklmnopqrstuvwxyz')).toBe('abcdefgh…wxyz');
    expect(shortToken('short')).toBe('short');
  });
});

describe('sequence diagram model', () => {
  const flow = flowById('code-pkce-public');

  it('draws one arrow per step between the four lanes, the current one marked', () => {
    const model = diagramModel(flow, ['accepted', 'accepted', 'local', 'rejected'], 4);
    expect(model.lanes.map((l) => l.label)).toEqual([
      'App',
      'Browser',
      'Authorization server',
      'FHIR server',
    ]);
    expect(model.arrows.map((a) => [a.from, a.to, a.status])).toEqual([
      [0, 2, 'accepted'],
      [0, 2, 'accepted'],
      [0, 0, 'local'],
      [1, 2, 'rejected'],
      [0, 2, 'current'],
      [0, 3, 'pending'],
    ]);
    expect(model.arrows[2]?.self).toBe(true);
  });

  it('gives every arrow a label a screen reader can speak', () => {
    const model = diagramModel(flow, ['accepted'], 1);
    expect(model.arrows[0]?.label).toBe(
      'Step 1 of 6, App to Authorization server: Register the app — accepted',
    );
    expect(model.arrows[1]?.label).toBe(
      'Step 2 of 6, App to Authorization server: Discover the endpoints — not sent yet (current step)',
    );
    expect(model.arrows[3]?.label).toBe(
      'Step 4 of 6, Browser to Authorization server: Authorize — not sent yet',
    );
  });
});

describe("the server's side", () => {
  const C = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  const X = 'Ocnr1kBDkhybQ4H2Kee8Up9yqHrYjBDbK5FhExBgsvY';

  const rule = 'RFC 7636 §4.6';

  it.for<
    [name: string, Verdict['outcome'], summary: string, reason: string, computed: string, matched: boolean]
  >([
    [
      "reads a matched PKCE comparison from the verdict's details, whatever its sentences say",
      'accepted',
      'accepted: reworded',
      'the verifier checks out',
      C,
      true,
    ],
    [
      'reads a mismatch from the rejection',
      'rejected',
      '',
      'invalid_grant: PKCE verification failed',
      X,
      false,
    ],
  ])('%s', ([, outcome, summary, reason, computed, matched]) => {
    const pkce = { method: 'S256' as const, computed, stored: C, matched, rule };
    expect(
      pkceComparison({ outcome, summary, reasons: [{ text: reason, rule }], details: { pkce } }),
    ).toEqual(pkce);
  });

  it('finds no comparison where the server made none, even in a sentence that reads like one', () => {
    expect(
      pkceComparison({ outcome: 'accepted', summary: '', reasons: [{ text: 'answered 200' }] }),
    ).toBeUndefined();
    expect(
      pkceComparison({
        outcome: 'rejected',
        summary: '',
        reasons: [{ text: `S256(code_verifier) is ${X}, the stored code_challenge is ${C}`, rule }],
      }),
    ).toBeUndefined();
  });

  it("knows what the exchange log leaves out by the server's own rule", () => {
    expect(isLogged('http://127.0.0.1:1/_sandbox/api/clients/x')).toBe(false);
    // The server recognises the admin API however its path is spelled, and leaves out the workbench page.
    expect(isLogged('http://127.0.0.1:1/%5Fsandbox/api/exchanges')).toBe(false);
    expect(isLogged('http://127.0.0.1:1/_Sandbox/api/exchanges')).toBe(false);
    expect(isLogged('http://127.0.0.1:1/')).toBe(false);
    expect(isLogged('http://127.0.0.1:1/token')).toBe(true);
    expect(isLogged('http://127.0.0.1:1/fhir/Patient/pat-1')).toBe(true);
  });
});

describe('edits before sending', () => {
  const post = {
    method: 'POST' as const,
    url: 'http://x/token',
    headers: {},
    form: { code: 'abc', code_verifier: 'v', redirect_uri: 'http://x/cb' },
  };
  const get = { method: 'GET' as const, url: 'http://x/authorize?scope=a&state=s', headers: {} };

  it('reads a form field of a POST and a query parameter of a GET', () => {
    expect(requestValue(post, 'code_verifier')).toBe('v');
    expect(requestValue(get, 'scope')).toBe('a');
    expect(requestValue(get, 'missing')).toBeUndefined();
  });

  it('sends only the values a person changed', () => {
    expect(
      effectiveEdits(post, { code: 'abc', code_verifier: 'wrong', redirect_uri: 'http://x/cb' }),
    ).toEqual({
      code_verifier: 'wrong',
    });
    expect(effectiveEdits(get, { scope: 'a', code_challenge: '' })).toEqual({});
    expect(effectiveEdits(undefined, { scope: 'b' })).toEqual({});
  });
});
