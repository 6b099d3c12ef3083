// Codes, refresh tokens and jti values come from randomToken: each must be fresh and of the asked size,
// also across the entropy blocks it draws from.
import { describe, expect, it } from 'vitest';
import { randomToken } from '../../server/store/random.js';

const decodedLength = (value: string) => Buffer.from(value, 'base64url').length;

describe('randomToken', () => {
  it('gives 256 bits by default, base64url without padding', () => {
    const value = randomToken();
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodedLength(value)).toBe(32);
  });

  it('never repeats a value, across many blocks of entropy', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => randomToken(i % 2 === 0 ? 16 : 12));
    expect(new Set(values).size).toBe(values.length);
    expect(values.every((v, i) => decodedLength(v) === (i % 2 === 0 ? 16 : 12))).toBe(true);
  });

  it('serves sizes larger than a block', () => {
    expect(decodedLength(randomToken(10_000))).toBe(10_000);
  });

  it('spreads its bits: no byte value is missing or dominant over 1 MiB', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 32_768; i++) {
      for (const b of Buffer.from(randomToken(32), 'base64url')) counts[b] = (counts[b] ?? 0) + 1;
    }
    // 4,096 expected per value; a stuck or zeroed block would push some far outside this band.
    expect(Math.min(...counts)).toBeGreaterThan(3_600);
    expect(Math.max(...counts)).toBeLessThan(4_600);
  });
});
