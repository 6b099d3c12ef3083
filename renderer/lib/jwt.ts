/** A JWT split and decoded for display (RFC 7519 §7.2 steps 1–7, without the signature check). */
export type DecodedJwt =
  | {
      readonly ok: true;
      readonly header: Record<string, unknown>;
      readonly claims: Record<string, unknown>;
      readonly signature: string;
    }
  | { readonly ok: false; readonly reason: string };

function base64UrlToText(part: string): string {
  const base64 = part.replaceAll('-', '+').replaceAll('_', '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3)
    return { ok: false, reason: 'not a JWS compact serialization (three dot-separated parts)' };
  const [h = '', p = '', s = ''] = parts;
  try {
    const header = jsonObject(base64UrlToText(h));
    const claims = jsonObject(base64UrlToText(p));
    if (header === undefined || claims === undefined)
      return { ok: false, reason: 'header or claims are not JSON objects' };
    return { ok: true, header, claims, signature: s };
  } catch (err) {
    return { ok: false, reason: `cannot decode: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Whole seconds until `expiresAt`, never below zero. */
export function secondsLeft(expiresAt: string | number, now: number): number {
  const at = typeof expiresAt === 'number' ? expiresAt : Date.parse(expiresAt);
  return Math.max(0, Math.floor((at - now) / 1000));
}

/** "59 s", "4 min 05 s", "2 h 03 min", "29 d 23 h". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  if (seconds < 86400)
    return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
}

/** The NumericDate claims a reader wants as times (RFC 7519 §4.1.4–4.1.6; OIDC Core §2 `auth_time`). */
const TIME_CLAIMS = ['iat', 'nbf', 'exp', 'auth_time'] as const;

/** One NumericDate claim put into words: the moment, and how far it is from now. */
export interface ClaimTime {
  readonly claim: (typeof TIME_CLAIMS)[number];
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** "in 59 min 44 s", "3 min 05 s ago", "now". */
  readonly relative: string;
}

/**
 * The time claims of a decoded token, in claim order, for display beside the raw JSON. A claim that is not
 * a finite number (RFC 7519 §2 NumericDate: seconds since the epoch) is left out rather than guessed at.
 */
export function claimTimes(claims: Readonly<Record<string, unknown>>, now: number): ClaimTime[] {
  const times: ClaimTime[] = [];
  for (const claim of TIME_CLAIMS) {
    const value = claims[claim];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const at = value * 1000;
    const delta = Math.round((at - now) / 1000);
    const relative =
      delta === 0 ? 'now' : delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
    times.push({ claim, at, relative });
  }
  return times;
}
