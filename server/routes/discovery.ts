import type { FastifyInstance } from 'fastify';
import { ASSERTION_ALGS } from '../oauth/client-assertion.js';
import type { Sandbox } from '../sandbox.js';

/**
 * The capabilities this server implements, and nothing it does not (SMART App Launch 2.2 §capabilities).
 */
function capabilities(sandbox: Sandbox): string[] {
  const methods = sandbox.profile.authMethods;
  return [
    'launch-ehr',
    'launch-standalone',
    'context-ehr-patient',
    'context-ehr-encounter',
    'context-standalone-patient',
    'context-standalone-encounter',
    // need_patient_banner and smart_style_url pass from the launch (or the config) to the token response.
    'context-passthrough-banner',
    'context-passthrough-style',
    'authorize-post',
    ...(methods.includes('none') ? ['client-public'] : []),
    ...(methods.includes('client_secret_basic') || methods.includes('client_secret_post')
      ? ['client-confidential-symmetric']
      : []),
    ...(methods.includes('private_key_jwt') ? ['client-confidential-asymmetric'] : []),
    'sso-openid-connect',
    'permission-offline',
    'permission-online',
    'permission-patient',
    'permission-user',
    'permission-v1',
    'permission-v2',
  ];
}

export function smartConfiguration(sandbox: Sandbox): Record<string, unknown> {
  const urls = sandbox.urls;
  const profile = sandbox.profile;
  return {
    issuer: urls.issuer,
    jwks_uri: urls.jwks,
    authorization_endpoint: urls.authorize,
    token_endpoint: urls.token,
    introspection_endpoint: urls.introspect,
    revocation_endpoint: urls.revoke,
    userinfo_endpoint: urls.userinfo,
    grant_types_supported: [...profile.grantTypes],
    token_endpoint_auth_methods_supported: [...profile.authMethods],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [...profile.discovery.scopesSupported],
    id_token_signing_alg_values_supported: [sandbox.signingAlg],
    subject_types_supported: ['public'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'fhirUser'],
    authorization_response_iss_parameter_supported: true,
    introspection_endpoint_auth_methods_supported: [...profile.authMethods],
    revocation_endpoint_auth_methods_supported: [...profile.authMethods],
    capabilities: capabilities(sandbox),
  };
}

export function discoveryRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/.well-known/smart-configuration', async (_req, reply) =>
      reply.type('application/json').send(smartConfiguration(sandbox)),
    );
    // SMART App Launch 2.2 §discovery: clients look under the FHIR base (the `iss` of a launch).
    app.get('/fhir/.well-known/smart-configuration', async (_req, reply) =>
      reply.type('application/json').send(smartConfiguration(sandbox)),
    );
    app.get('/.well-known/openid-configuration', async (_req, reply) =>
      reply.type('application/json').send(smartConfiguration(sandbox)),
    );
    app.get('/.well-known/jwks.json', async (_req, reply) =>
      reply.type('application/json').send(await sandbox.publicJwks()),
    );
  };
}
