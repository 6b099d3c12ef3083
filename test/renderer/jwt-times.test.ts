import { describe, expect, it } from 'vitest';
import { claimTimes } from '../../renderer/lib/jwt.js';

describe('claimTimes: iat/exp shown as times with how far off they are (Codes & tokens, Overview)', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const s = now / 1000;

  it('puts iat, nbf, exp and auth_time into words relative to now', () => {
    expect(claimTimes({ iat: s - 16, exp: s + 3584, auth_time: s, sub: 'x' }, now)).toEqual([
      { claim: 'iat', at: now - 16_000, relative: '16 s ago' },
      { claim: 'exp', at: now + 3_584_000, relative: 'in 59 min 44 s' },
      { claim: 'auth_time', at: now, relative: 'now' },
    ]);
  });

  it('leaves out a time claim that is not a NumericDate', () => {
    expect(claimTimes({ iat: '1700000000', exp: Number.NaN, nbf: null }, now)).toEqual([]);
  });
});
