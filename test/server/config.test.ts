import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config/validate.js';
import { configIssues } from '../helpers/sandbox.js';

describe('config validation (docs/config.md#validation)', () => {
  it('accepts the contract example', () => {
    expect(
      configIssues({
        profile: 'smart',
        clients: [
          {
            clientId: 'my-app',
            clientSecret: 's3cret',
            redirectUris: ['http://localhost:3000/callback'],
            grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
            scope: 'openid fhirUser launch launch/patient patient/*.rs offline_access',
            tokenEndpointAuthMethod: 'client_secret_basic',
            launchUrl: 'http://localhost:3000/launch',
          },
        ],
        launch: { patient: 'pat-1', encounter: 'enc-1', fhirUser: 'Practitioner/prac-1' },
        authorize: { mode: 'auto' },
        failures: [{ id: 'token.server_error', times: 1 }],
      }),
    ).toEqual([]);
  });

  it('names an unknown field by its path and lists the allowed ones', () => {
    const [issue] = configIssues({ clients: [{ clientId: 'a', redirectUri: 'x' }] });
    expect(issue).toMatch(/^clients\[0\]\.redirectUri: unknown field; expected one of: clientId, /);
  });

  it('says which values an enum field accepts', () => {
    expect(configIssues({ profile: 'epic' })).toEqual([
      'profile: expected one of "smart", "medirecords", "iehr" (built in or in profiles), got "epic"',
    ]);
  });

  it('reports wrong types with what was found', () => {
    expect(configIssues({ clients: [{ clientId: 'a', redirectUris: [3] }] })).toContain(
      'clients[0].redirectUris[0]: expected string, got number 3',
    );
  });

  it('checks rules across fields', () => {
    expect(
      configIssues({
        clients: [
          {
            clientId: 'a',
            tokenEndpointAuthMethod: 'client_secret_basic',
            redirectUris: ['https://a.example/cb'],
          },
        ],
      }),
    ).toEqual(['clients[0].clientSecret: is required when tokenEndpointAuthMethod is client_secret_basic']);
    expect(configIssues({ clients: [{ clientId: 'a', grantTypes: ['authorization_code'] }] })).toEqual([
      'clients[0].redirectUris: needs at least one URI for the authorization_code grant',
    ]);
    expect(configIssues({ clients: [{ clientId: 'p', grantTypes: ['client_credentials'] }] })[0]).toMatch(
      /client_credentials needs a confidential client/,
    );
    expect(
      configIssues({ clients: [{ clientId: 'a', redirectUris: ['https://a.example/cb#x'] }] })[0],
    ).toMatch(/fragment/);
  });

  it('refuses a client_id used twice', () => {
    const client = { clientId: 'a', redirectUris: ['https://a.example/cb'] };
    expect(configIssues({ clients: [client, client] })).toEqual([
      'clients[1].clientId: "a" is already used by clients[0]',
    ]);
  });

  it('refuses a launch context the FHIR data contradicts, naming the field and the choices', () => {
    expect(configIssues({ launch: { patient: 'pat-99' } })).toEqual([
      'launch.patient: no Patient "pat-99" in the FHIR data; expected one of pat-1, pat-2, pat-3, pat-4',
    ]);
    expect(configIssues({ launch: { patient: 'pat-2', encounter: 'enc-1' } })).toEqual([
      'launch.encounter: Encounter "enc-1" belongs to pat-1, not pat-2; expected an encounter of pat-2 (pat-2\'s: enc-3)',
    ]);
    expect(configIssues({ launch: { encounter: 'enc-9' } })[0]).toMatch(
      /^launch\.encounter: no Encounter "enc-9"/,
    );
    // The default encounter (pat-1's enc-1) does not follow another patient.
    expect(configIssues({ launch: { patient: 'pat-2' } })).toEqual([]);
  });

  it('names the source in its message', () => {
    expect(() => parseConfig({ bogus: true }, '/tmp/x.json')).toThrow(
      /^\/tmp\/x\.json is not a valid token-sandbox config: bogus: unknown field/,
    );
  });
});
