import type { FastifyInstance } from 'fastify';
import { ASSERTION_ALGS } from '../oauth/client-assertion.js';
import { CLAIMS_BY_SCOPE } from '../fhir/user-claims.js';
import { servedScopes } from '../profiles/serves.js';
import type { Sandbox } from '../sandbox.js';

/**
 * The capabilities the active profile serves, and nothing it does not (SMART App Launch 2.2 §capabilities):
 * each follows from the profile's grants, auth methods, scopes and token response fields.
 */
function capabilities(sandbox: Sandbox): string[] {
  const profile = sandbox.profile;
  const methods = profile.authMethods;
  const scopes = servedScopes(profile);
  const has = (scope: string) => scopes.includes(scope);
  const fields: readonly string[] = profile.tokenResponse.fields;
  const when = (condition: boolean, ...names: string[]) => (condition ? names : []);
  return [
    ...when(has('launch'), 'launch-ehr'),
    'launch-standalone',
    ...when(has('launch') && fields.includes('patient'), 'context-ehr-patient'),
    ...when(has('launch') && fields.includes('encounter'), 'context-ehr-encounter'),
    ...when(has('launch/patient') && fields.includes('patient'), 'context-standalone-patient'),
    ...when(has('launch/encounter') && fields.includes('encounter'), 'context-standalone-encounter'),
    // need_patient_banner and smart_style_url pass from the launch (or the config) to the token response.
    ...when(fields.includes('need_patient_banner'), 'context-passthrough-banner'),
    ...when(fields.includes('smart_style_url'), 'context-passthrough-style'),
    'authorize-post',
    ...when(methods.includes('none'), 'client-public'),
    ...when(
      methods.includes('client_secret_basic') || methods.includes('client_secret_post'),
      'client-confidential-symmetric',
    ),
    ...when(methods.includes('private_key_jwt'), 'client-confidential-asymmetric'),
    ...when(has('openid') && fields.includes('id_token'), 'sso-openid-connect'),
    // servedScopes keeps offline_access and online_access only where a refresh token is issued and redeemed.
    ...when(has('offline_access'), 'permission-offline'),
    ...when(has('online_access'), 'permission-online'),
    ...when(
      scopes.some((s) => s.startsWith('patient/')),
      'permission-patient',
    ),
    ...when(
      scopes.some((s) => s.startsWith('user/')),
      'permission-user',
    ),
    ...when(
      scopes.some((s) => /^(patient|user|system)\//.test(s)),
      'permission-v1',
      'permission-v2',
    ),
  ];
}

/** OpenID Connect Discovery `claims_supported`: what an id_token carries for the advertised scopes. */
function claimsSupported(sandbox: Sandbox): string[] {
  const scopes = servedScopes(sandbox.profile);
  return [
    'iss',
    'sub',
    'aud',
    'exp',
    'iat',
    'auth_time',
    'nonce',
    'at_hash',
    ...(scopes.includes('fhirUser') ? ['fhirUser'] : []),
    ...scopes.flatMap((s) => CLAIMS_BY_SCOPE[s] ?? []),
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
    scopes_supported: servedScopes(profile),
    id_token_signing_alg_values_supported: [sandbox.settings.tokens.signingAlg],
    subject_types_supported: ['public'],
    claims_supported: claimsSupported(sandbox),
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
  };
}
