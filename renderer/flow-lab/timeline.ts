import { verdictOf, type WalkedStep } from './runner.js';

/** A refresh token's state as the walk knows it (RFC 9700 §4.14.2: rotation, reuse detection). */
export type FamilyTokenState = 'active' | 'rotated' | 'revoked';

export interface FamilyToken {
  /** RT1, RT2, … in order of issue. */
  readonly label: string;
  /** The token cut short for display. */
  readonly short: string;
  readonly state: FamilyTokenState;
}

export interface FamilyEvent {
  /** The walked step's index in the walk. */
  readonly stepIndex: number;
  /** "code → RT1", "RT1 → RT2", "RT1 reused". */
  readonly label: string;
  readonly ok: boolean;
  /** The server's verdict in its own words. */
  readonly text: string;
}

export interface FamilyTimeline {
  readonly tokens: readonly FamilyToken[];
  readonly events: readonly FamilyEvent[];
  /** The server revoked the family: a rotated token was presented again. */
  readonly revoked: boolean;
}

export function shortToken(token: string): string {
  return token.length <= 12 ? token : `${token.slice(0, 8)}…${token.slice(-4)}`;
}

/**
 * The refresh token family of a walk: each token with its state, and what each token request did to it.
 * A token is rotated once it was traded successfully; every token is revoked once the server answers a
 * reuse by revoking the grant.
 */
export function familyTimeline(walked: readonly WalkedStep[]): FamilyTimeline {
  const tokens = walked.at(-1)?.after.refreshTokens ?? [];
  const label = (token: string | undefined) => {
    const i = token === undefined ? -1 : tokens.indexOf(token);
    return i === -1 ? 'an unknown token' : `RT${i + 1}`;
  };
  const rotated = new Set<string>();
  const events: FamilyEvent[] = [];
  let revoked = false;
  walked.forEach((w, stepIndex) => {
    const form = w.request?.form;
    if (form === undefined || w.response === undefined) return;
    const grant = form['grant_type'];
    if (grant !== 'refresh_token' && grant !== 'authorization_code') return;
    const verdict = verdictOf(w.response);
    const issued = w.after.refreshTokens.slice(w.before.refreshTokens.length);
    if (grant === 'authorization_code') {
      if (issued.length > 0) events.push({ stepIndex, label: `code → ${label(issued[0])}`, ...verdict });
      return;
    }
    const presented = form['refresh_token'];
    const wasRotated = presented !== undefined && rotated.has(presented);
    if (verdict.ok) {
      if (presented !== undefined) rotated.add(presented);
      events.push({
        stepIndex,
        label: `${label(presented)} → ${issued.length > 0 ? label(issued[0]) : 'no new token'}`,
        ...verdict,
      });
      return;
    }
    // The server says so when a reuse revoked the grant; a token of a revoked family is refused plainly.
    if (/revoked/i.test(verdict.text) && wasRotated) revoked = true;
    events.push({
      stepIndex,
      label: wasRotated ? `${label(presented)} reused` : `${label(presented)} refused`,
      ...verdict,
    });
  });
  return {
    tokens: tokens.map((token, i) => ({
      label: `RT${i + 1}`,
      short: shortToken(token),
      state: revoked ? 'revoked' : rotated.has(token) ? 'rotated' : 'active',
    })),
    events,
    revoked,
  };
}
