import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OAuthError } from '../../server/oauth/errors.js';
import { parseStrictForm, requireFormContentType } from '../../server/oauth/form.js';

describe('strict form parsing (RFC 6749 §3.1, §3.2)', () => {
  it('decodes + as space and percent-escapes', () => {
    expect(Object.fromEntries(parseStrictForm('a=b+c&d=%2F%20x'))).toEqual({ a: 'b c', d: '/ x' });
  });

  it('rejects a parameter sent twice (RFC 6749 §3.1)', () => {
    expect(() => parseStrictForm('grant_type=a&grant_type=b')).toThrow(/more than once/);
  });

  it('rejects malformed percent-encoding instead of passing it through (docs/endpoints.md#request-parsing)', () => {
    expect(() => parseStrictForm('code=%FF')).toThrow(/malformed percent-encoding/);
    expect(() => parseStrictForm('code=%zz')).toThrow(OAuthError);
  });

  it('treats empty values as absent', () => {
    expect(parseStrictForm('a=&b=1').has('a')).toBe(false);
  });

  it('keeps __proto__ and constructor as plain data (docs/endpoints.md#request-parsing)', () => {
    const params = parseStrictForm('__proto__=x&constructor=y');
    expect(params.get('__proto__')).toBe('x');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('either parses or throws an OAuth error, never anything else (property)', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        try {
          parseStrictForm(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(OAuthError);
        }
      }),
    );
  });

  it('accepts only application/x-www-form-urlencoded, with an optional charset', () => {
    expect(() => requireFormContentType('application/x-www-form-urlencoded; charset=UTF-8')).not.toThrow();
    expect(() => requireFormContentType('application/json')).toThrow(/not accepted/);
    expect(() => requireFormContentType(undefined)).toThrow(/no Content-Type/);
  });
});
