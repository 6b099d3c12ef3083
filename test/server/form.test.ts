import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OAuthError } from '../../server/oauth/errors.js';
import {
  formPairs,
  parseForm,
  parseStrictForm,
  requireFormContentType,
  singleValued,
  withoutEmpty,
} from '../../server/oauth/form.js';

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

describe('one form parser: a multi-map, with the strict layer on top (docs/endpoints.md#request-parsing)', () => {
  it('keeps every value of a repeated name, in the order sent, empty ones included', () => {
    const params = parseForm('scope=a&state=&scope=b+c&flag');
    expect(params.get('scope')).toEqual(['a', 'b c']);
    expect(params.get('state')).toEqual(['']);
    expect(params.get('flag')).toEqual(['']);
    expect(withoutEmpty(params).has('state')).toBe(false);
  });

  it('counts a name sent twice as repeated even when one of its values is empty (RFC 6749 §3.1)', () => {
    expect(() => singleValued(parseForm('code=&code=abc'))).toThrow(/parameter code was sent more than once/);
    expect(withoutEmpty(parseForm('code=&code=abc')).get('code')).toEqual(['abc']);
  });

  it('decodes leniently for readers that must not fail: well-formed escapes decoded, broken ones kept', () => {
    const params = parseForm('client%5Fsecret=Correct%20Horse%&%74oken=x%zz', 'lenient');
    expect(params.get('client_secret')).toEqual(['Correct Horse%']);
    expect(params.get('token')).toEqual(['x%zz']);
  });

  it('lenient decoding never throws, and agrees with strict decoding wherever strict succeeds (property)', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const lenient = parseForm(raw, 'lenient');
        let strict;
        try {
          strict = parseForm(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(OAuthError);
          return;
        }
        expect(strict).toEqual(lenient);
      }),
    );
  });

  it('splits into pairs that join back into exactly the text sent, for masking (property)', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const text = formPairs(raw)
          .map((p) => (p.value === undefined ? p.name : `${p.name}=${p.value}`))
          .join('&');
        expect(text).toBe(raw);
      }),
    );
  });
});
