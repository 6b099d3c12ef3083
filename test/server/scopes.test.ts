import { describe, expect, it } from 'vitest';
import { decideScope, parseClinicalScope, scopeCovers, splitScope } from '../../server/oauth/scopes.js';

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
