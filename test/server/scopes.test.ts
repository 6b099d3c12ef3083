import { describe, expect, it } from 'vitest';
import { decideScope, parseClinicalScope, scopeCovers, splitScope } from '../../server/oauth/scopes.js';
import { authorize, startSandbox, clientCredentials } from '../helpers/sandbox.js';

describe('SMART scopes (SMART App Launch 2.2 scopes-and-launch-context)', () => {
  it('reads v1 permissions as their v2 equivalents (docs/endpoints.md#fhir-base)', () => {
    expect([...(parseClinicalScope('patient/*.read')?.interactions ?? [])]).toEqual(['r', 's']);
    expect([...(parseClinicalScope('user/Observation.write')?.interactions ?? [])]).toEqual(['c', 'u', 'd']);
    expect([...(parseClinicalScope('system/*.*')?.interactions ?? [])]).toEqual(['c', 'r', 'u', 'd', 's']);
  });

  it('parses v2 scopes with a query restriction', () => {
    expect(parseClinicalScope('patient/Observation.rs?category=laboratory')).toMatchObject({
      context: 'patient',
      resource: 'Observation',
      query: '?category=laboratory',
    });
  });

  it('refuses out-of-order or unknown interactions, so they never widen access', () => {
    expect(parseClinicalScope('patient/*.sr')).toBeUndefined();
    expect(parseClinicalScope('patient/*.dus')).toBeUndefined();
    expect(parseClinicalScope('patient/*.x')).toBeUndefined();
    expect(parseClinicalScope('patient/*.read?category=x')).toBeUndefined();
  });

  it('reads a permission named like an Object property (constructor) as unknown, not as a server error', async () => {
    expect(parseClinicalScope('patient/*.constructor')).toBeUndefined();
    expect(scopeCovers('system/*.rs', 'system/*.constructor')).toBe(false);
    const t = await startSandbox();
    try {
      const res = await clientCredentials(t.app, 'conf-app', 's3cret', {
        params: { scope: 'system/*.constructor' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_scope' });
      const { response } = await authorize(t.app, { scope: 'openid patient/*.constructor' });
      expect(response.statusCode).toBe(302);
      expect(new URL(String(response.headers.location)).searchParams.get('error')).toBe('invalid_scope');
    } finally {
      await t.app.close();
    }
  });

  it('covers narrower scopes and nothing wider', () => {
    expect(scopeCovers('patient/*.rs', 'patient/Observation.read')).toBe(true);
    expect(scopeCovers('patient/*.rs', 'patient/Observation.rs?category=laboratory')).toBe(true);
    expect(scopeCovers('patient/*.rs', 'patient/Observation.cruds')).toBe(false);
    expect(scopeCovers('patient/*.rs', 'user/Observation.rs')).toBe(false);
    expect(scopeCovers('patient/Observation.rs?category=laboratory', 'patient/Observation.rs')).toBe(false);
    expect(scopeCovers('launch', 'launch/patient')).toBe(false);
  });

  it('grants what the client is allowed and reports the rest as refused', () => {
    expect(
      decideScope(['openid', 'patient/Observation.rs', 'user/*.cruds'], ['openid', 'patient/*.rs']),
    ).toEqual({
      granted: ['openid', 'patient/Observation.rs'],
      refused: ['user/*.cruds'],
    });
  });

  it('splits on spaces and rejects characters outside the scope-token grammar (RFC 6749 §3.3)', () => {
    expect(splitScope('openid  profile openid')).toEqual(['openid', 'profile']);
    expect(splitScope('open"id')).toBeUndefined();
    expect(splitScope('a\\b')).toBeUndefined();
  });
});
