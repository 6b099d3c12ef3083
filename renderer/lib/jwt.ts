import { decodeJwt as decodeJoseJwt, decodeProtectedHeader } from 'jose';
import { formatDuration } from './duration.js';

/** A JWT split and decoded for display (RFC 7519 §7.2 steps 1–7, without the signature check). */
export type DecodedJwt =
  | {
      readonly ok: true;
      readonly header: Record<string, unknown>;
      readonly claims: Record<string, unknown>;
      readonly signature: string;
    }
  | { readonly ok: false; readonly reason: string };

/** The decoded parts as plain objects; jose has already refused anything that is not a JSON object. */
function asRecord(value: object): Record<string, unknown> {
  return { ...value };
}

/** Splits and decodes with jose (which the bundle already carries for signature checks); no signature check. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3)
    return { ok: false, reason: 'not a JWS compact serialization (three dot-separated parts)' };
  try {
    const header = asRecord(decodeProtectedHeader(token));
    const claims = asRecord(decodeJoseJwt(token));
    return { ok: true, header, claims, signature: parts[2] ?? '' };
  } catch (err) {
    return { ok: false, reason: `cannot decode: ${err instanceof Error ? err.message : String(err)}` };
  }
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
