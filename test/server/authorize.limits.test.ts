import { watch } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SandboxConfig } from '../../server/config/schema.js';
import { authorize, form, redeem, startSandbox, type TestSandbox } from '../helpers/sandbox.js';

const open: TestSandbox[] = [];
const dirs: string[] = [];

async function start(config: SandboxConfig = {}, dataDir?: string): Promise<TestSandbox> {
  const t = await startSandbox(config, dataDir === undefined ? {} : { dataDir });
  open.push(t);
  return t;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-limits-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const t of open.splice(0)) await t.app.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('authorization request parameters have a length limit (RFC 6749 §4.1.2.1)', () => {
  it('a 5,000-character nonce is redirected back as invalid_request naming the parameter and the limit', async () => {
    const t = await start();
    const { response, location, code } = await authorize(t.app, { nonce: 'n'.repeat(5000) });
    expect(response.statusCode).toBe(302);
    expect(code).toBeUndefined();
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    const description = location?.searchParams.get('error_description') ?? '';
    expect(description).toContain('nonce is 5000 characters long; at most 2048 are accepted');
    expect(description).toContain('limits.parameterLength');
    expect(location?.searchParams.get('state')).toBe('st4te');
    expect(t.app.sandbox.store.snapshot().codes.length).toBe(0);
  });

  it('an over-long state is refused and not echoed back', async () => {
    const t = await start();
    const { location } = await authorize(t.app, { state: 's'.repeat(3000) });
    expect(location?.searchParams.get('error_description')).toContain('state is 3000 characters long');
    expect(location?.searchParams.has('state')).toBe(false);
  });

  it('limits.parameterLength raises the limit', async () => {
    const t = await start({ limits: { parameterLength: 4096 } });
    const { code } = await authorize(t.app, { nonce: 'n'.repeat(3000) });
    expect(code).toBeDefined();
  });

  it('an unknown client with a long state still gets the error page, never a redirect', async () => {
    const t = await start();
    const { response } = await authorize(t.app, { client_id: 'nobody', state: 's'.repeat(5000) });
    expect(response.statusCode).toBe(400);
  });
});

describe('live codes and pending consent pages are bounded', () => {
  it('past limits.liveCodes the oldest code is forgotten and the newest still redeems', async () => {
    const t = await start({ limits: { liveCodes: 100 } });
    const codes: string[] = [];
    for (let i = 0; i < 150; i++) {
      const { code } = await authorize(t.app);
      if (code !== undefined) codes.push(code);
    }
    expect(codes).toHaveLength(150);
    expect(t.app.sandbox.store.snapshot().codes.length).toBe(100);
    expect((await redeem(t.app, codes[0] ?? '')).json<{ error: string }>().error).toBe('invalid_grant');
    expect((await redeem(t.app, codes[149] ?? '')).statusCode).toBe(200);
  });

  it('past limits.pendingAuthorizations the oldest consent page can no longer be decided', async () => {
    const t = await start({ authorize: { mode: 'interactive' }, limits: { pendingAuthorizations: 10 } });
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) {
      const { response } = await authorize(t.app);
      const id = /name="request" value="([^"]+)"/.exec(response.body)?.[1];
      if (id !== undefined) ids.push(id);
    }
    expect(ids).toHaveLength(15);
    expect(t.app.sandbox.pendingAuthorizations.size).toBe(10);
    const decide = (request: string) =>
      t.app.inject({
        method: 'POST',
        url: '/authorize/decision',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ request, decision: 'deny' }),
      });
    const first = await decide(ids[0] ?? '');
    expect(first.statusCode).toBe(400);
    expect(first.body).toContain('pendingAuthorizations limit');
    expect((await decide(ids[14] ?? '')).statusCode).toBe(303);
  });
});

describe('the state file follows the artefacts', () => {
  async function storedCodes(dir: string): Promise<number> {
    const doc = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as {
      artefacts: { codes: unknown[] };
    };
    return doc.artefacts.codes.length;
  }

  async function eventually(check: () => Promise<boolean>): Promise<void> {
    // vi.waitFor polls on the real timers, whichever the test has faked.
    await vi.waitFor(
      async () => {
        if (!(await check())) throw new Error('the state file did not change within 3 s');
      },
      { timeout: 3000, interval: 20 },
    );
  }

  /**
   * A background save waits PERSIST_DELAY_MS (1 s, server/persistence/data-folder.ts) on setTimeout. Faking
   * setTimeout alone lets a test move past that wait without sleeping; the writes themselves stay real.
   */
  function fakeTheSaveDelay(): void {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  }
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Resolves once the background save in progress has ended: a persist() waits for the write before it. */
  async function saveEnded(t: TestSandbox): Promise<void> {
    await t.app.sandbox.persist().catch(() => undefined);
  }

  it('expired codes leave state.json once pruned, without any further request', async () => {
    const dir = await tempDir();
    const t = await start({}, dir);
    fakeTheSaveDelay();
    await authorize(t.app);
    await vi.advanceTimersByTimeAsync(1000);
    await eventually(async () => (await storedCodes(dir)) === 1);
    t.clock.advance(60 * 60_000);
    t.app.sandbox.prune();
    await vi.advanceTimersByTimeAsync(1000);
    await eventually(async () => (await storedCodes(dir)) === 0);
  });

  it('a background save that fails is reported on standard error, once', async () => {
    const dir = await tempDir();
    const t = await start({}, dir);
    await rm(path.join(dir, 'state.json'));
    await mkdir(path.join(dir, 'state.json'));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    fakeTheSaveDelay();
    try {
      await authorize(t.app);
      await vi.advanceTimersByTimeAsync(1_300);
      await saveEnded(t);
      await authorize(t.app);
      await vi.advanceTimersByTimeAsync(1_300);
      await saveEnded(t);
      const said = stderr.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('could not save'));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/could not save issued tokens to the data folder \(EISDIR/);
    } finally {
      stderr.mockRestore();
      await rm(path.join(dir, 'state.json'), { recursive: true });
    }
  });

  it('a stream of authorizations is folded into a few writes, and close writes the last of them', async () => {
    const dir = await tempDir();
    const t = await start({}, dir);
    const temporaries = new Set<string>();
    const watcher = watch(dir, (_event, name) => {
      if (name !== null && /^state\.json\.\d+$/.test(name)) temporaries.add(name);
    });
    fakeTheSaveDelay();
    try {
      let elapsed = 0;
      // One request every 10 ms, as a page in a loop sends them: each used to start its own write.
      for (let i = 0; i < 60; i++) {
        await authorize(t.app);
        await vi.advanceTimersByTimeAsync(10);
        elapsed += 10;
      }
      vi.useRealTimers();
      await t.app.close();
      open.splice(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // One write per second at most, plus the one close makes.
      expect(temporaries.size).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 2);
      expect(await storedCodes(dir)).toBe(60);
    } finally {
      watcher.close();
    }
  });
});

describe('client_id and redirect_uri longer than any registration', () => {
  it('a 5,000-character client_id gets the error page naming it and the limit, never a redirect', async () => {
    const t = await start();
    const { response } = await authorize(t.app, { client_id: 'c'.repeat(5000) });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('client_id is 5000 characters long; registered values are at most 255');
    expect(response.body).not.toContain('c'.repeat(300));
  });

  it('a 3,000-character redirect_uri gets the error page naming it and the limit', async () => {
    const t = await start();
    const { response } = await authorize(t.app, {
      redirect_uri: `http://127.0.0.1:5555/${'p'.repeat(3000)}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(
      'redirect_uri is 3022 characters long; registered values are at most 2000',
    );
  });
});
