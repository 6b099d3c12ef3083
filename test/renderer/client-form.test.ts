import { describe, expect, it } from 'vitest';
import {
  clientToForm,
  formFieldOf,
  formToClient,
  newClientForm,
} from '../../renderer/views/client-form-model.js';
import { FAKE_EFFECTIVE_CLIENT } from './fake-api.js';

describe('client form', () => {
  it('turns a confidential client form into the admin API document', () => {
    const { client, errors } = formToClient({
      ...newClientForm('s3cret'),
      clientId: ' my-app ',
      redirectUris: 'http://localhost:3000/cb\n\n  http://127.0.0.1/cb  ',
      accessTokenLifetime: '300',
    });
    expect(errors).toEqual({});
    expect(client).toMatchObject({
      clientId: 'my-app',
      clientSecret: 's3cret',
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: ['http://localhost:3000/cb', 'http://127.0.0.1/cb'],
      accessTokenLifetime: 300,
    });
    expect(client).not.toHaveProperty('refreshTokenLifetime');
  });

  it('says what to fix before sending: id, lifetimes, grants, JWKS', () => {
    const { errors } = formToClient({
      ...newClientForm(''),
      clientId: 'has space',
      accessTokenLifetime: '1.5',
      grantTypes: [],
    });
    expect(Object.keys(errors).sort()).toEqual([
      'accessTokenLifetime',
      'clientId',
      'clientSecret',
      'grantTypes',
    ]);
    const backend = formToClient({
      ...newClientForm(''),
      clientId: 'svc',
      kind: 'backend',
      authMethod: 'private_key_jwt',
      jwks: '{"nokeys":1}',
    });
    expect(backend.errors.jwks).toMatch(/"keys" array/);
  });

  it('refuses a client ID longer than the server’s 255 characters', () => {
    const { errors } = formToClient({ ...newClientForm('s3cret'), clientId: 'a'.repeat(256) });
    expect(errors.clientId).toBe('a client ID is at most 255 characters (this one has 256)');
    expect(formToClient({ ...newClientForm('s3cret'), clientId: 'a'.repeat(255) }).errors).toEqual({});
  });

  it('never sends a secret for a public client, and always requires PKCE for it', () => {
    const { client } = formToClient({
      ...newClientForm('leftover'),
      clientId: 'spa',
      kind: 'public',
      authMethod: 'none',
      requirePkce: false,
    });
    expect(client).not.toHaveProperty('clientSecret');
    expect(client.requirePkce).toBe(true);
  });

  it('round-trips a registered client through the form', () => {
    const original = {
      clientId: 'svc',
      tokenEndpointAuthMethod: 'private_key_jwt' as const,
      jwksUri: 'https://svc.example/jwks.json',
      grantTypes: ['client_credentials' as const],
      scope: 'system/*.rs',
      redirectUris: [],
      requirePkce: true,
      refreshTokenRotation: true,
      refreshTokenReuseDetection: true,
    };
    const effective = {
      ...FAKE_EFFECTIVE_CLIENT,
      authMethod: original.tokenEndpointAuthMethod,
      grantTypes: original.grantTypes,
      scope: original.scope,
    };
    expect(formToClient(clientToForm(original, effective)).client).toEqual(original);
  });

  it('maps the server’s field paths onto form fields', () => {
    expect(formFieldOf('redirectUris[0]')).toBe('redirectUris');
    expect(formFieldOf('.tokenEndpointAuthMethod')).toBe('authMethod');
    expect(formFieldOf('(body)')).toBeUndefined();
  });
});

describe('client form: a client whose document leaves fields out', () => {
  it('starts from the values in force the server lists, so saving keeps them', () => {
    // Registered with a secret and nothing else: the server lists what that implies.
    const registered = {
      clientId: 'terse',
      clientSecret: 'terse-secret',
      redirectUris: ['http://localhost/cb'],
    };
    const effective = {
      ...FAKE_EFFECTIVE_CLIENT,
      authMethod: 'client_secret_post' as const,
      scope: 'openid system/*.rs',
      grantTypes: ['authorization_code' as const],
    };
    const form = clientToForm(registered, effective);
    expect(form).toMatchObject({
      kind: 'confidential',
      authMethod: 'client_secret_post',
      scope: 'openid system/*.rs',
      grantTypes: ['authorization_code'],
      accessTokenLifetime: '',
    });
    // Saved unchanged, it still allows the scopes it had: an empty scope would allow none.
    expect(formToClient(form).client).toMatchObject({
      tokenEndpointAuthMethod: 'client_secret_post',
      scope: 'openid system/*.rs',
      grantTypes: ['authorization_code'],
    });
  });
});
