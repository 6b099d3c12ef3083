import { describe, expect, it } from 'vitest';
import { base64url, generateKeyPair, SignJWT } from 'jose';
import { decodeJwt } from '../../renderer/lib/jwt.js';
import { basicAuthorization } from '../../renderer/lib/basic-authorization.js';
import { randomSecret } from '../../renderer/lib/random.js';

const part = (value: unknown) => base64url.encode(JSON.stringify(value));

describe('the token inspector decodes what the server signs (RFC 7519 §7.2)', () => {
  it('shows the header, the claims and the signature of a signed token', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ scope: 'patient/*.rs', name: 'Zoë' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('pat-1')
      .sign(privateKey);
    const decoded = decodeJwt(token);
    expect(decoded).toMatchObject({
      ok: true,
      header: { alg: 'ES256', kid: 'k1' },
      claims: { sub: 'pat-1', scope: 'patient/*.rs', name: 'Zoë' },
      signature: token.split('.')[2],
    });
  });

  it('says why a value is not a token', () => {
    expect(decodeJwt('opaque-refresh-token')).toEqual({
      ok: false,
      reason: 'not a JWS compact serialization (three dot-separated parts)',
    });
    const notJson = decodeJwt(`${part({ alg: 'none' })}.bm90IGpzb24.sig`);
    expect(notJson.ok).toBe(false);
    const arrayClaims = decodeJwt(`${part({ alg: 'none' })}.${part([1, 2])}.sig`);
    expect(arrayClaims.ok).toBe(false);
    if (!arrayClaims.ok) expect(arrayClaims.reason).toMatch(/^cannot decode: /);
  });
});

describe('client credentials the workbench sends', () => {
  it('form-encodes id and secret before base64 (RFC 6749 §2.3.1)', () => {
    const header = basicAuthorization('my app', 'a:b+c');
    expect(atob(header.replace(/^Basic /, ''))).toBe('my+app:a%3Ab%2Bc');
  });

  it('makes secrets of 32 random bytes in base64url, without padding', () => {
    const secret = randomSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(base64url.decode(secret)).toHaveLength(32);
    expect(randomSecret()).not.toBe(secret);
  });
});
