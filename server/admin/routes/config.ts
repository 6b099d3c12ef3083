import { ConfigSchema } from '../../config/schema.js';
import { ConfigError, parseConfig } from '../../config/validate.js';
import { configuredContext } from '../../launch/launches.js';
import type { Sandbox } from '../../sandbox.js';
import { parseAuthorization } from '../../oauth/authorization.js';
import { invalidInput } from '../errors.js';
import {
  EffectiveConfigSchema,
  StorageViewSchema,
  type EffectiveConfig,
  type StorageView,
} from '../shapes.js';
import { adminRoutes, route } from '../operation.js';

/**
 * `GET /config` exports the whole config document (docs/config.md) as it was given, defaults left out;
 * `PUT /config` imports one. `GET /config/effective` gives the settings in force, every default applied: kept
 * apart so an export stays a document someone wrote, and importable as it is. `GET /storage` says where the
 * state lives, read-only for the same reason.
 */
export const configRoutes = adminRoutes('config', (sandbox) => [
  route('GET', '/config', 'exportConfig', {
    summary: 'The config document as it stands, defaults left out (what export writes)',
    schema: { response: { 200: ConfigSchema } },
    handler: async () => sandbox.exportConfig(),
  }),

  route('GET', '/config/effective', 'getEffectiveConfig', {
    summary: 'The settings in force, every default applied (read-only)',
    schema: { response: { 200: EffectiveConfigSchema } },
    handler: async () => effectiveConfig(sandbox),
  }),

  route('GET', '/storage', 'getStorage', {
    summary: 'Where this server keeps its state: the data folder, or null in memory',
    schema: { response: { 200: StorageViewSchema } },
    handler: async (): Promise<StorageView> => ({
      dataDir: sandbox.dataDir ?? null,
    }),
  }),

  route('PUT', '/config', 'importConfig', {
    summary: 'Imports a config document: clients, settings and armed failures together',
    schema: { body: ConfigSchema, response: { 200: ConfigSchema } },
    handler: async (request) => {
      let config;
      try {
        config = parseConfig(request.body, 'the imported config', sandbox.fhir);
      } catch (err) {
        if (err instanceof ConfigError) throw invalidInput(err.issues);
        throw err;
      }
      // An issuer under /i/NAME serves no issuers of its own and shares the server's https: a document naming
      // either would be kept and exported, yet never served (README "Many issuers").
      if (sandbox.basePath !== '') {
        const misplaced = (['issuers', 'https'] as const).filter((field) => config[field] !== undefined);
        if (misplaced.length > 0) {
          throw invalidInput(
            misplaced.map((field) => ({
              path: field,
              message: `issuer ${sandbox.issuerName} cannot set ${field}: only the top-level config, the default issuer's, names it`,
            })),
          );
        }
      }
      const previous = sandbox.exportConfig();
      // Files are read only from the config file the command was started with: an imported document may carry
      // the running list back (export, then import), never name other files for the server to read.
      if (JSON.stringify(config.fhir?.load ?? []) !== JSON.stringify(previous.fhir?.load ?? [])) {
        throw invalidInput([
          {
            path: 'fhir.load',
            message:
              'files to load are named only in the config file given with --config at start-up; load data at run time with POST /_sandbox/api/fhir/load',
          },
        ]);
      }
      await sandbox.changeDurably(
        () => sandbox.importConfig(config),
        () => sandbox.importConfig(previous),
      );
      return sandbox.exportConfig();
    },
  }),
]);

/**
 * The settings in force, the FHIR data's sources and the default launch context. `fhir.upstream` persists with
 * the rest of the config in the data folder's state, so this is where a later run shows it is still forwarding.
 */
function effectiveConfig(sandbox: Sandbox): EffectiveConfig {
  const fhir = sandbox.config.fhir;
  return {
    ...sandbox.settings,
    fhir: {
      fixtures: sandbox.settings.fhir.fixtures,
      load: [...(fhir?.load ?? [])],
      upstream: fhir?.upstream ?? null,
      upstreamAuthorization:
        fhir?.upstreamAuthorization === undefined ? null : schemeOnly(fhir.upstreamAuthorization),
    },
    launch: configuredContext(sandbox.config),
  };
}

/**
 * An Authorization header with all of its credentials hidden, only the scheme readable (RFC 9110 §11.4): the
 * config view, unlike the exchange log's `maskAuthorization`, shows no part of a token or client id.
 */
export function schemeOnly(header: string): string {
  const auth = parseAuthorization(header);
  return auth === undefined || auth.credentials === '' ? '****' : `${auth.scheme} ****`;
}
