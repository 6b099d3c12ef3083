import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORIGIN, startSandbox, type TestSandbox } from '../helpers/sandbox.js';

let t: TestSandbox;
beforeEach(async () => {
  t = await startSandbox();
});
afterEach(async () => {
  await t.app.close();
});

describe('SMART App Launch 2.2 §discovery under the FHIR base (the iss of a launch)', () => {
  it('answers application/json whatever the Accept header says (docs/endpoints.md#discovery)', async () => {
    for (const accept of [undefined, 'application/fhir+json', 'text/html']) {
      const res = await t.app.inject({
        url: '/fhir/.well-known/smart-configuration',
        headers: accept === undefined ? {} : { accept },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it('lists exactly the capabilities that work, with S256 only and the asymmetric algorithms (docs/endpoints.md#discovery)', async () => {
    const config = (await t.app.inject({ url: '/fhir/.well-known/smart-configuration' })).json<
      Record<string, unknown>
    >();
    expect(config['capabilities']).toEqual([
      'launch-ehr',
      'launch-standalone',
      'context-ehr-patient',
      'context-ehr-encounter',
      'context-standalone-patient',
      'context-standalone-encounter',
      'context-passthrough-banner',
      'context-passthrough-style',
      'authorize-post',
      'client-public',
      'client-confidential-symmetric',
      'client-confidential-asymmetric',
      'sso-openid-connect',
      'permission-offline',
      'permission-online',
      'permission-patient',
      'permission-user',
      'permission-v1',
      'permission-v2',
    ]);
    expect(config['code_challenge_methods_supported']).toEqual(['S256']);
    expect(config['authorization_endpoint']).toBe(`${ORIGIN}/authorize`);
    expect(config['token_endpoint']).toBe(`${ORIGIN}/token`);
    expect(config['token_endpoint_auth_methods_supported']).toContain('private_key_jwt');
    expect(config['token_endpoint_auth_signing_alg_values_supported']).toEqual(
      expect.arrayContaining(['RS384', 'ES384']),
    );
  });
});
