import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matchRedirectUri } from '../../server/oauth/redirect-uri.js';

describe('redirect URI matching (RFC 9700 §4.1.3, RFC 8252 §7.3)', () => {
  const registered = ['https://app.example.com/cb', 'http://127.0.0.1/native', 'http://[::1]:8080/cb'];

  it('accepts the registered string itself', () => {
    for (const uri of registered) expect(matchRedirectUri(registered, uri)).toBe(true);
  });

  it('rejects every near miss of an https URI (RFC 9700 §2.1)', () => {
    for (const uri of [
      'https://app.example.com/cb/',
      'https://app.example.com/cb/x',
      'https://app.example.com/cb?x=1',
      'https://app.example.com/cb#frag',
      'https://app.example.com/CB',
      'https://APP.example.com/cb',
      'HTTPS://app.example.com/cb',
      'https://app.example.com:443/cb',
      'https://user@app.example.com/cb',
      'https://app.example.com%2Fcb',
      'http://app.example.com/cb',
    ]) {
      expect(matchRedirectUri(registered, uri), uri).toBe(false);
    }
  });

  it('lets only the port vary for loopback IP literals (RFC 8252 §7.3)', () => {
    expect(matchRedirectUri(registered, 'http://127.0.0.1:49152/native')).toBe(true);
    expect(matchRedirectUri(registered, 'http://[::1]:1234/cb')).toBe(true);
    expect(matchRedirectUri(registered, 'http://127.0.0.1:49152/native/x')).toBe(false);
    expect(matchRedirectUri(registered, 'http://localhost:49152/native')).toBe(false);
    expect(matchRedirectUri(['http://localhost:3000/cb'], 'http://localhost:3001/cb')).toBe(false);
  });

  it('never accepts a mutated URI (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), (suffix) => {
        expect(matchRedirectUri(['https://app.example.com/cb'], `https://app.example.com/cb${suffix}`)).toBe(
          false,
        );
      }),
    );
  });
});
