import type { EffectiveConfig } from '../../server/admin/shapes.js';

/**
 * The settings in force with nothing configured (docs/config.md defaults), as `GET /config/effective` answers
 * them: the admin API test holds the server to it, and the renderer's fake API answers it, so the fake cannot
 * drift from the server.
 */
export const DEFAULT_EFFECTIVE_CONFIG: EffectiveConfig = {
  profile: 'smart',
  authorize: { mode: 'auto' },
  tokens: {
    signingAlg: 'RS256',
    codeLifetime: 60,
    accessTokenLifetime: 3600,
    refreshTokenLifetime: 2592000,
    assertionAudience: 'token-url',
  },
  limits: { liveCodes: 5000, pendingAuthorizations: 1000, parameterLength: 2048, fhirResources: 50000 },
  exchangeLog: { capacity: 5000, verdictHeader: true, maxBytes: 67108864 },
  fhir: { fixtures: true, load: [], upstream: null, upstreamAuthorization: null },
  launch: { patient: 'pat-1', encounter: 'enc-1', fhirUser: 'Practitioner/prac-1' },
};
