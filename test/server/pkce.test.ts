import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isWellFormedPkceValue, s256Challenge, verifyS256 } from '../../server/oauth/pkce.js';
import { CHALLENGE, VERIFIER } from '../helpers/sandbox.js';

// RFC 7636 §4.1 unreserved characters, as a list of single ASCII characters.
const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'.match(/./g) ?? [];
const verifierArb = fc
  .array(fc.constantFrom(...UNRESERVED), { minLength: 43, maxLength: 128 })
  .map((chars) => chars.join(''));

describe('RFC 7636 PKCE', () => {
  it('computes the appendix B challenge from its verifier', () => {
    expect(s256Challenge(VERIFIER)).toBe(CHALLENGE);
    expect(verifyS256(VERIFIER, CHALLENGE)).toEqual({ matched: true, computed: CHALLENGE });
  });

  it('accepts 43 to 128 unreserved characters and nothing else (§4.1)', () => {
    expect(isWellFormedPkceValue('a'.repeat(43))).toBe(true);
    expect(isWellFormedPkceValue('a'.repeat(128))).toBe(true);
    expect(isWellFormedPkceValue('a'.repeat(42))).toBe(false);
    expect(isWellFormedPkceValue('a'.repeat(129))).toBe(false);
    expect(isWellFormedPkceValue(`${'a'.repeat(42)}&`)).toBe(false);
    expect(isWellFormedPkceValue(`${'a'.repeat(42)}+`)).toBe(false);
  });

  it('matches every well-formed verifier with its own challenge and no other (RFC 7636 §4.6)', () => {
    fc.assert(
      fc.property(verifierArb, verifierArb, (v, other) => {
        expect(isWellFormedPkceValue(v)).toBe(true);
        expect(verifyS256(v, s256Challenge(v)).matched).toBe(true);
        if (other !== v) expect(verifyS256(other, s256Challenge(v)).matched).toBe(false);
      }),
    );
  });
});
