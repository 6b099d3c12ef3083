import { describe, expect, it } from 'vitest';
import {
  forgetAdminToken,
  keepAdminToken,
  REMEMBERED_KEY,
  SESSION_KEY,
  takeAdminToken,
  type TokenEnvironment,
} from '../../renderer/lib/session-token.js';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

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

  it('replaces a remembered token by a newer one from the URL, and forgets both on sign-out', () => {
    const { e, local, session } = env('http://127.0.0.1:9710/?token=new');
    local.map.set(REMEMBERED_KEY, 'old');
    takeAdminToken(e);
    expect(local.map.get(REMEMBERED_KEY)).toBe('new');
    forgetAdminToken(e);
    expect(local.map.size + session.map.size).toBe(0);
  });

  it('does not remember when the box is unticked, and removes an earlier remembered token', () => {
    const { e, local } = env('http://127.0.0.1:9710/');
    local.map.set(REMEMBERED_KEY, 'old');
    keepAdminToken(e, 'tab-only', false);
    expect(local.map.has(REMEMBERED_KEY)).toBe(false);
  });
});
