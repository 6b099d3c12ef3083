/**
 * The server's sense of time. Every issued `iat`/`exp` and every expiry check reads it, so a clock offset
 * (to test a client's skew handling) and tests that move time forward need no sleeps.
 */
export interface Clock {
  /** Milliseconds since the epoch, offset included. */
  now(): number;
  /** Skew added to every reading, so a client's clock-skew handling can be tested (admin `PUT /clock`). */
  offsetMs: number;
}

export class SystemClock implements Clock {
  constructor(public offsetMs = 0) {}
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

/** A clock that moves only when told to: for tests. */
export class ManualClock implements Clock {
  offsetMs = 0;
  constructor(private current = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current + this.offsetMs;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export function toSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** "12:03:04" (UTC): how verdicts and refusals name a moment, as the exchange log shows it. */
export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
