import type { Exchange, Verdict } from '../api/types.js';
import type { FlowContext } from './flows.js';
import { parseJson, type WireResponse } from './wire.js';

/** The server's own record of one exchange the walk sent: its seq in the exchange log and its verdict. */
export interface ServerRecord {
  readonly seq: number;
  readonly path: string;
  readonly status: number;
  readonly verdict: Verdict;
}

/** What the server compared at the token endpoint (RFC 7636 §4.6), in its own words. */
export interface PkceComparison {
  readonly matched: boolean;
  /** S256 of the presented code_verifier, as the server computed it. */
  readonly computed: string;
  /** The code_challenge the server stored with the code. */
  readonly stored: string;
  readonly rule: string;
}

/** Whether the exchange log records a request to this URL (it leaves out the admin API and the workbench). */
export function isLogged(url: string): boolean {
  return !new URL(url).pathname.startsWith('/_sandbox/');
}

async function adminGet(fetchImpl: typeof fetch, ctx: FlowContext, route: string): Promise<unknown> {
  const response = await fetchImpl(`${ctx.origin}/_sandbox/api${route}`, {
    headers: { Authorization: `Bearer ${ctx.adminToken}` },
  });
  if (!response.ok) throw new Error(`the exchange log answered ${response.status}`);
  return response.json();
}

interface ExchangePage {
  readonly exchanges: readonly Exchange[];
  readonly latestSeq: number;
}

/** The newest seq in the exchange log, so the record of the next request can be told from older ones. */
export async function latestSeq(fetchImpl: typeof fetch, ctx: FlowContext): Promise<number> {
  const page = (await adminGet(fetchImpl, ctx, '/exchanges?limit=1')) as ExchangePage;
  return page.latestSeq;
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
  const route = `/exchanges?since=${afterSeq}&path=${encodeURIComponent(path)}`;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const page = (await adminGet(fetchImpl, ctx, route)) as ExchangePage;
    const found = page.exchanges.find((e) => e.path === path);
    if (found !== undefined) {
      return { seq: found.seq, path: found.path, status: found.status, verdict: found.verdict };
    }
    await pause(50);
  }
  return undefined;
}

const COMPARISON = /S256\(code_verifier\) is ([A-Za-z0-9_-]+), the stored code_challenge is ([A-Za-z0-9_-]+)/;

/** The PKCE comparison the server reported in its verdict, when it made one. */
export function pkceComparison(verdict: Verdict): PkceComparison | undefined {
  for (const reason of verdict.reasons) {
    const match = COMPARISON.exec(reason.text);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    return {
      matched: verdict.outcome === 'accepted' && match[1] === match[2],
      computed: match[1],
      stored: match[2],
      rule: reason.rule ?? 'RFC 7636 §4.6',
    };
  }
  return undefined;
}

/**
 * The comparison from a refusal's own error_description, for when the exchange log has no record of the
 * request (yet): the server words a mismatch the same way in both places.
 */
export function pkceComparisonInResponse(response: WireResponse): PkceComparison | undefined {
  const body = parseJson(response.body);
  const error = body?.['error'];
  const description = body?.['error_description'];
  if (typeof error !== 'string' || typeof description !== 'string') return undefined;
  return pkceComparison({
    outcome: 'rejected',
    summary: '',
    reasons: [{ text: `${error}: ${description}`, rule: 'RFC 7636 §4.6' }],
  });
}
