import { describe, expect, it } from 'vitest';
import {
  adoptIfValid,
  forgetAdminToken,
  isAcceptedAdminToken,
  keepAdminToken,
  REMEMBERED_KEY,
  SESSION_KEY,
  takeAdminToken,
  type TokenEnvironment,
} from '../../renderer/lib/session-token.js';
import { memoryStorage } from './fake-api.js';

function env(href: string) {
  const replaced: string[] = [];
  const session = memoryStorage();
  const local = memoryStorage();
  const e: TokenEnvironment = {
    location: { href },
    history: {
      state: null,
      replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)),
    },
    session,
    local,
  };
  return { e, replaced, session, local };
}

describe('the admin token in the page (Jupyter-style ?token=)', () => {
  it('takes the token from the URL once, keeps it for the tab and removes it from the address bar', () => {
    const { e, replaced, session } = env('http://127.0.0.1:9710/?token=abc123&x=1#frag');
    expect(takeAdminToken(e)).toEqual({ token: 'abc123', source: 'url' });
    expect(replaced).toEqual(['/?x=1#frag']);
    expect(session.map.get(SESSION_KEY)).toBe('abc123');
  });

  it('uses the tab’s token after a reload, without touching the URL', () => {
    const { e, replaced, session } = env('http://127.0.0.1:9710/');
    session.map.set(SESSION_KEY, 'kept');
    expect(takeAdminToken(e)).toEqual({ token: 'kept', source: 'session' });
    expect(replaced).toEqual([]);
  });

  it('falls back to the remembered token only when the user asked to be remembered', () => {
    const { e, local, session } = env('http://127.0.0.1:9710/');
    expect(takeAdminToken(e)).toBeUndefined();
    keepAdminToken(e, 'long-lived', true);
    session.map.clear();
    expect(local.map.get(REMEMBERED_KEY)).toBe('long-lived');
    expect(takeAdminToken(e)).toEqual({ token: 'long-lived', source: 'remembered' });
  });

  it('replaces a remembered token by a newer one from the URL once the server accepts it, and forgets both on sign-out', async () => {
    const { e, local, session } = env('http://127.0.0.1:9710/?token=new');
    local.map.set(REMEMBERED_KEY, 'old');
    const found = takeAdminToken(e);
    expect(found).toEqual({ token: 'old', source: 'remembered', candidate: 'new' });
    expect(await adoptIfValid(e, 'new', (t) => Promise.resolve(t === 'new'))).toBe(true);
    expect(local.map.get(REMEMBERED_KEY)).toBe('new');
    expect(session.map.get(SESSION_KEY)).toBe('new');
    forgetAdminToken(e);
    expect(local.map.size + session.map.size).toBe(0);
  });

  it('does not remember when the box is unticked, and removes an earlier remembered token', () => {
    const { e, local } = env('http://127.0.0.1:9710/');
    local.map.set(REMEMBERED_KEY, 'old');
    keepAdminToken(e, 'tab-only', false);
    expect(local.map.has(REMEMBERED_KEY)).toBe(false);
  });

  it('keeps a working token when a page navigates in with ?token=junk', async () => {
    const { e, replaced, session, local } = env('http://127.0.0.1:9710/?token=junk');
    session.map.set(SESSION_KEY, 'working');
    local.map.set(REMEMBERED_KEY, 'working');
    const found = takeAdminToken(e);
    // The tab goes on with its own token; the junk is only a candidate, and leaves the address bar.
    expect(found).toEqual({ token: 'working', source: 'session', candidate: 'junk' });
    expect(replaced).toEqual(['/']);
    expect(session.map.get(SESSION_KEY)).toBe('working');
    const checked: string[] = [];
    const refused = await adoptIfValid(e, 'junk', (t) => {
      checked.push(t);
      return Promise.resolve(false);
    });
    expect(checked).toEqual(['junk']);
    expect(refused).toBe(false);
    expect(session.map.get(SESSION_KEY)).toBe('working');
    expect(local.map.get(REMEMBERED_KEY)).toBe('working');
  });

  it('keeps the working token when the server cannot be asked about the candidate', async () => {
    const { e, session } = env('http://127.0.0.1:9710/?token=other');
    session.map.set(SESSION_KEY, 'working');
    takeAdminToken(e);
    expect(await adoptIfValid(e, 'other', () => Promise.reject(new Error('offline')))).toBe(false);
    expect(session.map.get(SESSION_KEY)).toBe('working');
  });

  it('asks the admin API with the candidate as the bearer token', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const fake = (input: string | URL | Request, init?: RequestInit) => {
      const auth = new Headers(init?.headers).get('authorization');
      seen.push({ url: input instanceof Request ? input.url : input.toString(), auth });
      return Promise.resolve(new Response('{}', { status: auth === 'Bearer good' ? 200 : 401 }));
    };
    expect(await isAcceptedAdminToken('http://127.0.0.1:9710', 'good', fake)).toBe(true);
    expect(await isAcceptedAdminToken('http://127.0.0.1:9710', 'junk', fake)).toBe(false);
    expect(seen[0]).toEqual({ url: 'http://127.0.0.1:9710/_sandbox/api/clock', auth: 'Bearer good' });
  });
});
