/**
 * The admin token's life in the page, the way Jupyter does it: the server prints `/?token=…`; the page takes
 * it from the URL once, keeps it for this tab (sessionStorage, or localStorage when the user asks to be
 * remembered) and removes it from the address bar, so it never lands in history, bookmarks or screenshots.
 */

export const SESSION_KEY = 'token-sandbox.admin-token';
export const REMEMBERED_KEY = 'token-sandbox.admin-token.remembered';

export interface TokenEnvironment {
  readonly location: Pick<Location, 'href'>;
  readonly history: Pick<History, 'replaceState' | 'state'>;
  readonly session: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  readonly local: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
}

export interface FoundToken {
  readonly token: string;
  readonly source: 'url' | 'session' | 'remembered';
  /**
   * A different token the URL brought while this tab already had one. It is not adopted yet: any page can
   * navigate here with `?token=junk`, and taking it on trust would sign the workbench out. `adoptIfValid`
   * adopts it once the admin API has accepted it (a restarted server's new token, say).
   */
  readonly candidate?: string;
}

function keptToken(env: TokenEnvironment): FoundToken | undefined {
  const session = env.session.getItem(SESSION_KEY);
  if (session !== null && session !== '') return { token: session, source: 'session' };
  const remembered = env.local.getItem(REMEMBERED_KEY);
  if (remembered !== null && remembered !== '') {
    env.session.setItem(SESSION_KEY, remembered);
    return { token: remembered, source: 'remembered' };
  }
  return undefined;
}

function adopt(env: TokenEnvironment, token: string): void {
  env.session.setItem(SESSION_KEY, token);
  // A new server start prints a new token: an older remembered one would only be wrong.
  if (env.local.getItem(REMEMBERED_KEY) !== null) env.local.setItem(REMEMBERED_KEY, token);
}

/**
 * Takes the token out of the URL (if there) and returns the token this tab should use. A URL token is used
 * at once only when the tab has none; when it has one, the URL's is returned as `candidate`, to be checked.
 */
export function takeAdminToken(env: TokenEnvironment): FoundToken | undefined {
  const url = new URL(env.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    url.searchParams.delete('token');
    env.history.replaceState(env.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }
  const kept = keptToken(env);
  if (fromUrl === null || fromUrl === '' || fromUrl === kept?.token) return kept;
  if (kept !== undefined) return { ...kept, candidate: fromUrl };
  adopt(env, fromUrl);
  return { token: fromUrl, source: 'url' };
}

/**
 * Adopts a candidate token from the URL if the admin API accepts it; otherwise (refused, or the server did
 * not answer) the tab keeps the token it had. Resolves to whether it was adopted.
 */
export async function adoptIfValid(
  env: TokenEnvironment,
  candidate: string,
  accepted: (token: string) => Promise<boolean>,
): Promise<boolean> {
  let ok: boolean;
  try {
    ok = await accepted(candidate);
  } catch {
    ok = false;
  }
  if (ok) adopt(env, candidate);
  return ok;
}

/** Whether the admin API at `origin` accepts `token` (a cheap authenticated read). */
export async function isAcceptedAdminToken(
  origin: string,
  token: string,
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<boolean> {
  const res = await fetchImpl(`${origin}/_sandbox/api/clock`, {
    headers: { Authorization: `Bearer ${token}` },
    cache: 'no-store',
  });
  return res.ok;
}

/** Keeps a token for this tab, and across browser restarts when `remember` is set. */
export function keepAdminToken(env: TokenEnvironment, token: string, remember: boolean): void {
  env.session.setItem(SESSION_KEY, token);
  if (remember) env.local.setItem(REMEMBERED_KEY, token);
  else env.local.removeItem(REMEMBERED_KEY);
}

/** Forgets the token everywhere. */
export function forgetAdminToken(env: TokenEnvironment): void {
  env.session.removeItem(SESSION_KEY);
  env.local.removeItem(REMEMBERED_KEY);
}

export function isRemembered(env: TokenEnvironment): boolean {
  return env.local.getItem(REMEMBERED_KEY) !== null;
}

/** The browser's own environment. */
export function browserTokenEnvironment(): TokenEnvironment {
  return { location: window.location, history: window.history, session: sessionStorage, local: localStorage };
}
