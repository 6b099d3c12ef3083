import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../server/app.js';
import {
  FLOWS,
  flowById,
  INITIAL_STATE,
  type FlowContext,
  type FlowId,
  type FlowState,
} from '../../renderer/flow-lab/flows.js';
import { pkceMaterial } from '../../renderer/flow-lab/pkce.js';
import { runStep, verdictOf, type WalkedStep } from '../../renderer/flow-lab/runner.js';
import { toCurlScript, toMarkdown } from '../../renderer/flow-lab/export.js';
import { applyEdits, fetchTransport } from '../../renderer/flow-lab/wire.js';
import { CHALLENGE, VERIFIER } from '../helpers/sandbox.js';

const ADMIN_TOKEN = 'flow-lab-test-token';

async function listening(adminToken = ADMIN_TOKEN): Promise<{ app: FastifyInstance; ctx: FlowContext }> {
  // The run's shared RS256 key (test/global-setup.ts): generating one per server is most of a start's cost.
  const app = await buildServer({ adminToken, signingKeys: inject('signingKeys') });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  app.sandbox.origin = `http://127.0.0.1:${port}`;
  return { app, ctx: { origin: app.sandbox.origin, adminToken } };
}

/** Walks a whole flow, applying edits to the steps named in `edits`. */
async function walk(
  id: FlowId,
  ctx: FlowContext,
  edits: Record<string, (state: FlowState) => Record<string, string>> = {},
): Promise<WalkedStep[]> {
  const transport = fetchTransport();
  let state = INITIAL_STATE;
  const walked: WalkedStep[] = [];
  for (const step of flowById(id).steps) {
    const done = await runStep(step, state, ctx, transport, edits[step.id]?.(state) ?? {});
    walked.push(done);
    state = done.after;
  }
  return walked;
}

/**
 * Runs an exported curl script with bash as a user would, against the sandbox at `origin` with its admin token.
 * Asynchronously: the sandbox answers from this very process.
 */
async function replay(script: string, origin: string, adminToken: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'flow-lab-'));
  const file = path.join(dir, 'flow.sh');
  await writeFile(file, script);
  return promisify(execFile)('bash', [file], {
    env: { ...process.env, SANDBOX_URL: origin, ADMIN_TOKEN: adminToken },
    cwd: process.cwd(),
  });
}

function verdicts(walked: readonly WalkedStep[]): string[] {
  return walked.map((w) =>
    w.response === undefined ? 'local' : verdictOf(w.response).ok ? 'ok' : 'rejected',
  );
}

describe('Flow Lab engine (pure parts)', () => {
  it('shows the PKCE computation step by step (RFC 7636 appendix B)', async () => {
    const material = await pkceMaterial(VERIFIER);
    expect(material.challenge).toBe(CHALLENGE);
    expect(material.sha256Hex).toBe('13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3');
  });

  it('applies an edit to a form field or a query parameter', () => {
    const post = applyEdits(
      { method: 'POST', url: 'http://x/token', headers: {}, form: { code: 'a' } },
      { code: 'b' },
    );
    expect(post.form).toEqual({ code: 'b' });
    const get = applyEdits(
      { method: 'GET', url: 'http://x/authorize?scope=a&state=s', headers: {} },
      { scope: 'b c' },
    );
    expect(new URL(get.url).searchParams.get('scope')).toBe('b c');
  });

  it('declares every step with a sentence, a narration and a spec citation', () => {
    expect(FLOWS.map((f) => f.id)).toEqual([
      'code-pkce-public',
      'code-pkce-confidential',
      'refresh-rotation',
      'client-credentials',
      'backend-services',
      'ehr-launch',
    ]);
    for (const step of FLOWS.flatMap((f) => f.steps)) {
      expect(step.sentence.length).toBeGreaterThan(20);
      expect(step.cite).toMatch(/RFC|SMART/);
    }
  });

  it('sends authorize and token to the chosen issuer when discovery has not answered', async () => {
    const base = 'http://127.0.0.1:9710/i/second';
    const ctx: FlowContext = {
      origin: 'http://127.0.0.1:9710',
      adminToken: ADMIN_TOKEN,
      issuer: { admin: '/_sandbox/api/issuers/second', base, fhirBase: `${base}/fhir` },
    };
    // Discovery failed (an injected failure, say): the walk knows no endpoints, only the issuer it was shown.
    const state: FlowState = { ...INITIAL_STATE, pkce: await pkceMaterial(VERIFIER), code: 'a-code' };
    const urlOf = async (flow: FlowId, stepId: string): Promise<string> => {
      const step = flowById(flow).steps.find((s) => s.id === stepId);
      if (step?.kind !== 'http') throw new Error(`no http step ${stepId} in ${flow}`);
      const { url } = await step.build(state, ctx);
      return url.split('?')[0] ?? url;
    };
    expect(await urlOf('code-pkce-public', 'authorize')).toBe(`${base}/authorize`);
    expect(await urlOf('code-pkce-public', 'exchange')).toBe(`${base}/token`);
    expect(await urlOf('client-credentials', 'client-credentials')).toBe(`${base}/token`);
  });
});

describe('Flow Lab walks against a running sandbox', () => {
  let app: FastifyInstance;
  let ctx: FlowContext;
  beforeAll(async () => {
    ({ app, ctx } = await listening());
  });
  afterAll(async () => {
    await app.close();
  });

  it('walks the public PKCE flow up to tokens', async () => {
    const walked = await walk('code-pkce-public', ctx);
    const exchange = walked.find((w) => w.step.id === 'exchange');
    expect(exchange?.response?.status).toBe(200);
    expect(exchange?.after.accessToken).toBeDefined();
    expect(exchange?.after.refreshTokens).toHaveLength(1);
  });

  it('shows the server refusing a tampered verifier with the rule behind it', async () => {
    const walked = await walk('code-pkce-confidential', ctx, {
      exchange: () => ({ code_verifier: 'x'.repeat(43) }),
    });
    const exchange = walked.find((w) => w.step.id === 'exchange');
    expect(exchange?.response?.status).toBe(400);
    const verdict = verdictOf(
      exchange?.response ?? { status: 0, headers: {}, body: '', redirectedTo: undefined },
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.text).toMatch(
      /^invalid_grant: PKCE verification failed: S256\(code_verifier\) is \S+, the stored code_challenge is \S+/,
    );
  });

  it('shows a reused refresh token revoking the family (RT1 → RT2 → RT3, reuse RT1)', async () => {
    const walked = await walk('refresh-rotation', ctx);
    const byId = Object.fromEntries(walked.map((w) => [w.step.id, w]));
    expect(byId['refresh-2']?.after.refreshTokens).toHaveLength(3);
    expect(
      verdictOf(byId['reuse']?.response ?? { status: 0, headers: {}, body: '', redirectedTo: undefined })
        .text,
    ).toContain('revoked the whole grant');
    expect(byId['after-reuse']?.response?.status).toBe(400);
  });

  it('walks client credentials and backend services', async () => {
    expect(verdicts(await walk('client-credentials', ctx))).toEqual(['ok', 'ok', 'ok']);
    const backend = await walk('backend-services', ctx);
    expect(verdicts(backend)).toEqual(['local', 'ok', 'ok', 'local', 'ok']);
  });

  it('exports a curl script that replays the walk against a fresh sandbox, tampered step included', async () => {
    const flow = flowById('refresh-rotation');
    const walked = await walk('refresh-rotation', ctx);
    const script = toCurlScript(flow, walked, ctx);
    const markdown = toMarkdown(flow, walked);
    expect(markdown).toContain('## 8. Reuse RT1');
    expect(markdown).toContain('Verdict: rejected: invalid_grant');
    // The admin token is the sandbox's master key: neither export carries it.
    expect(script).not.toContain(ADMIN_TOKEN);
    expect(markdown).not.toContain(ADMIN_TOKEN);
    expect(markdown).toContain('Authorization: Bearer <admin token>');

    // A fresh sandbox with an admin token of its own, as another person's would have.
    const freshToken = 'another-sandbox-admin-token';
    const fresh = await listening(freshToken);
    try {
      const run = await replay(script, fresh.ctx.origin, freshToken);
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain('every step answered as in the walk');
      expect(run.stdout).toContain('revoked the whole grant');
    } finally {
      await fresh.app.close();
    }
  });

  it.each(['a$b"c\\d`e-admin-token', 'k$`1'])(
    'never writes an admin token like %s into either export, and the script still replays',
    async (token) => {
      const mine = await listening(token);
      const fresh = await listening(token);
      try {
        const flow = flowById('client-credentials');
        const walked = await walk('client-credentials', mine.ctx);
        expect(verdicts(walked)).toEqual(['ok', 'ok', 'ok']);
        const script = toCurlScript(flow, walked, mine.ctx);
        const markdown = toMarkdown(flow, walked);
        const escaped = token.replace(/[\\"$`]/g, '\\$&');
        for (const text of [script, markdown]) {
          expect(text).not.toContain(token);
          expect(text).not.toContain(escaped);
        }
        expect(script).toContain('-H "Authorization: Bearer ${ADMIN_TOKEN}"');
        const run = await replay(script, fresh.ctx.origin, token);
        expect(run.stdout).toContain('every step answered as in the walk');
      } finally {
        await mine.app.close();
        await fresh.app.close();
      }
    },
  );
});
