import { isLoggedPath } from '../../server/exchanges/logged-paths.js';
import { createAdminApi } from '../api/admin-client.js';
import type { PkceCheck, Verdict } from '../api/types.js';
import type { FlowContext } from './flows.js';

/** The server's own record of one exchange the walk sent: its seq in the exchange log and its verdict. */
export interface ServerRecord {
  readonly seq: number;
  readonly path: string;
  readonly status: number;
  readonly verdict: Verdict;
}

/** What the server compared at the token endpoint (RFC 7636 §4.6), as its verdict records it. */
export type PkceComparison = PkceCheck;

/**
 * Whether the exchange log records a request to this URL: the server's own rule (it leaves out the admin API,
 * however spelled, and the workbench's page and assets).
 */
export function isLogged(url: string): boolean {
  return isLoggedPath(new URL(url).pathname);
}

/** The admin API as the walk's context reaches it: the lab's own fetch (tests give one) and admin token. */
function adminOf(fetchImpl: typeof fetch, ctx: FlowContext) {
  const issuerAdmin = ctx.issuer?.admin;
  return createAdminApi({
    origin: ctx.origin,
    token: () => ctx.adminToken,
    fetch: fetchImpl,
    ...(issuerAdmin === undefined ? {} : { admin: () => issuerAdmin }),
  });
}

/** The newest seq in the exchange log, so the record of the next request can be told from older ones. */
export async function latestSeq(fetchImpl: typeof fetch, ctx: FlowContext): Promise<number> {
  return (await adminOf(fetchImpl, ctx).pageExchanges({ limit: 1 })).latestSeq;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The server's record of the first request to `path` after `afterSeq`. The server writes it once the response
 * is sent, which can be a moment after the client has read it, so this asks again briefly before giving up.
 */
export async function serverRecordOf(
  fetchImpl: typeof fetch,
  ctx: FlowContext,
  path: string,
  afterSeq: number,
  attempts = 40,
): Promise<ServerRecord | undefined> {
  const api = adminOf(fetchImpl, ctx);
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const page = await api.pageExchanges({ since: afterSeq, path });
    const found = page.exchanges.find((e) => e.path === path);
    if (found !== undefined) {
      return { seq: found.seq, path: found.path, status: found.status, verdict: found.verdict };
    }
    await pause(50);
  }
  return undefined;
}

/** The PKCE comparison the server recorded in its verdict, when it made one. */
export function pkceComparison(verdict: Verdict): PkceComparison | undefined {
  return verdict.details?.pkce;
}
