import type { Sandbox } from '../sandbox.js';
import { RESOURCE_TYPES } from './data.js';
import { SEARCH_PARAMS } from './search.js';

const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

function searchParamType(name: string): string {
  if (name === '_id') return 'token';
  if (name === 'patient' || name === 'subject' || name === 'encounter') return 'reference';
  if (name === 'name') return 'string';
  if (name === '_lastUpdated' || name === 'date' || name.endsWith('-date') || name === 'authoredon')
    return 'date';
  return 'token';
}

/**
 * FHIR R4 CapabilityStatement of the FHIR base, with the SMART `oauth-uris` extension (SMART App Launch
 * 2.2 §conformance) naming the authorize, token, introspect and revoke endpoints.
 */
export function capabilityStatement(sandbox: Sandbox): Record<string, unknown> {
  const urls = sandbox.urls;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date(sandbox.clock.now()).toISOString(),
    publisher: 'Token Sandbox',
    kind: 'instance',
    software: { name: 'Token Sandbox' },
    implementation: { description: 'Token Sandbox FHIR base', url: urls.fhirBase },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: true,
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                },
              ],
              text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
            },
          ],
          extension: [
            {
              url: OAUTH_URIS,
              extension: [
                { url: 'authorize', valueUri: urls.authorize },
                { url: 'token', valueUri: urls.token },
                { url: 'introspect', valueUri: urls.introspect },
                { url: 'revoke', valueUri: urls.revoke },
              ],
            },
          ],
        },
        resource: RESOURCE_TYPES.map((type) => ({
          type,
          // http.html: reads, searches and writes; If-Match is honoured when sent (versioned, not required).
          interaction: [
            { code: 'read' },
            { code: 'search-type' },
            { code: 'create' },
            { code: 'update' },
            { code: 'delete' },
          ],
          versioning: 'versioned',
          updateCreate: true,
          // search.html#include: the patient of a clinical resource (Observation:patient, or :subject).
          searchInclude: ['patient', 'subject']
            .filter((name) => Object.hasOwn(SEARCH_PARAMS[type], name))
            .map((name) => `${type}:${name}`),
          searchParam: Object.keys(SEARCH_PARAMS[type]).map((name) => ({
            name,
            type: searchParamType(name),
          })),
        })),
      },
    ],
  };
}
