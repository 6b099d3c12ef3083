import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import {
  ConfigSchema,
  PROFILE_NAMES,
  type ClientConfig,
  type IssuerConfig,
  type ProfileConfig,
  type SandboxConfig,
} from './schema.js';
import { profileFromConfig, reservedPathProblem, TOKEN_FIELDS } from '../profiles/profile.js';
import { fixtureData, type FhirData } from '../fhir/data.js';
import { launchContextIssues } from '../launch/context-check.js';
import { configuredContext } from '../launch/launches.js';
import { redirectUriProblem } from '../oauth/redirect-uri.js';
import { splitScope } from '../oauth/scopes.js';
import { clientGrantTypes, resolveAuthMethod, resolveConfig } from './defaults.js';
import { reservedClaimIssues } from '../people/claims.js';
import { fhirUserProblem, fixturePersonas } from '../people/personas.js';
import type { PersonaConfig } from './schema.js';
import { DEFAULT_ISSUER_NAME } from './names.js';

export { DEFAULT_ISSUER_NAME } from './names.js';

export interface ConfigIssue {
  /** Where in the document, as `clients[0].redirectUris[1]`. */
  readonly path: string;
  /** What was wrong and what was expected. */
  readonly message: string;
}

/** A config document that cannot be used; its message names the source, the field and what was expected. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    const shown = issues.slice(0, 5).map((i) => `${i.path === '' ? '(document)' : i.path}: ${i.message}`);
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
    super(`${source} is not a valid token-sandbox config: ${shown.join('; ')}${more}.`);
    this.name = 'ConfigError';
  }
}

function toPath(pointer: string): string {
  let out = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function schemaAt(schema: TSchema, schemaPath: string): unknown {
  let node: unknown = schema;
  for (const part of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (part === '' || typeof node !== 'object' || node === null) continue;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 60 ? 'a long string' : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return typeof value === 'undefined' ? 'nothing' : `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const part of pointer.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * What is wrong with a document against a TypeBox schema, each issue with its path (`clients[0].scope`) and
 * what was expected. The config file, config import and every admin API body share it.
 */
export function schemaIssues(schema: TSchema, doc: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const e of Value.Errors(schema, doc)) {
    const path = toPath(e.instancePath);
    const params = e.params as Record<string, unknown>;
    const actual = valueAt(doc, e.instancePath);
    switch (e.keyword) {
      case 'boolean':
        break; // reported by its `additionalProperties` twin with the field list
      case 'additionalProperties': {
        const at = schemaAt(schema, e.schemaPath) as { properties?: Record<string, unknown> } | undefined;
        const allowed = Object.keys(at?.properties ?? {}).join(', ');
        for (const name of (params['additionalProperties'] as string[] | undefined) ?? []) {
          issues.push({ path: join(path, name), message: `unknown field; expected one of: ${allowed}` });
        }
        break;
      }
      case 'required':
        for (const name of (params['requiredProperties'] as string[] | undefined) ?? []) {
          issues.push({ path: join(path, name), message: 'is required' });
        }
        break;
      case 'enum': {
        const allowed = ((params['allowedValues'] as unknown[] | undefined) ?? []).map((v) =>
          JSON.stringify(v),
        );
        issues.push({ path, message: `expected one of ${allowed.join(', ')}, got ${describe(actual)}` });
        break;
      }
      case 'type':
        issues.push({ path, message: `expected ${String(params['type'])}, got ${describe(actual)}` });
        break;
      default:
        issues.push({ path, message: `${e.message} (got ${describe(actual)})` });
    }
  }
  return issues;
}

/** Why `value` is not an absolute URL of one of `schemes` without a fragment, or undefined when it is. */
export function absoluteUrl(value: string, schemes: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected an absolute URL, got ${describe(value)}`;
  }
  if (!schemes.includes(url.protocol)) {
    return `expected a ${schemes.map((s) => s.replace(':', '')).join(' or ')} URL, got ${describe(value)}`;
  }
  if (url.hash !== '' || value.includes('#')) return 'must not contain a fragment (RFC 6749 §3.1.2)';
  return undefined;
}

/** Rules that span fields, which a JSON Schema cannot say clearly. */
export function clientIssues(client: ClientConfig, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const method = resolveAuthMethod(client);
  const grants = clientGrantTypes(client);
  if ((method === 'client_secret_basic' || method === 'client_secret_post') && !client.clientSecret) {
    issues.push({
      path: `${at}.clientSecret`,
      message: `is required when tokenEndpointAuthMethod is ${method}`,
    });
  }
  if ((method === 'none' || method === 'private_key_jwt') && client.clientSecret !== undefined) {
    issues.push({
      path: `${at}.clientSecret`,
      message: `must be absent when tokenEndpointAuthMethod is ${method}`,
    });
  }
  if (method === 'private_key_jwt' && (client.jwks === undefined) === (client.jwksUri === undefined)) {
    issues.push({ path: `${at}.jwks`, message: 'private_key_jwt needs exactly one of jwks or jwksUri' });
  }
  if (method === 'none' && grants.includes('client_credentials')) {
    issues.push({
      path: `${at}.grantTypes`,
      message:
        'client_credentials needs a confidential client (RFC 6749 §4.4); a public client cannot use it',
    });
  }
  (client.redirectUris ?? []).forEach((uri, i) => {
    const problem = redirectUriProblem(uri);
    if (problem) issues.push({ path: `${at}.redirectUris[${i}]`, message: problem });
  });
  if (grants.includes('authorization_code') && (client.redirectUris ?? []).length === 0) {
    issues.push({
      path: `${at}.redirectUris`,
      message: 'needs at least one URI for the authorization_code grant',
    });
  }
  for (const field of ['launchUrl', 'jwksUri'] as const) {
    const value = client[field];
    const problem = value === undefined ? undefined : absoluteUrl(value, ['http:', 'https:']);
    if (problem) issues.push({ path: `${at}.${field}`, message: problem });
  }
  if (client.scope !== undefined && splitScope(client.scope) === undefined) {
    issues.push({ path: `${at}.scope`, message: 'expected space-separated scope tokens (RFC 6749 §3.3)' });
  }
  issues.push(...reservedClaimIssues(client.claims, `${at}.claims`));
  return issues;
}

/** Rules of one persona a JSON Schema cannot say clearly: a person's fhirUser, no reserved claims. */
export function personaIssues(persona: PersonaConfig, at: string): ConfigIssue[] {
  const problem = fhirUserProblem(persona.fhirUser);
  return [
    ...(problem === undefined ? [] : [{ path: `${at}.fhirUser`, message: problem }]),
    ...reservedClaimIssues(persona.claims, `${at}.claims`),
  ];
}

/** `defaultPersona` at `path` names one of `ids`, when set. */
export function defaultPersonaIssues(
  id: string | undefined,
  ids: readonly string[],
  path: string,
): ConfigIssue[] {
  if (id === undefined || ids.includes(id)) return [];
  const known = ids.slice(0, 10).map((i) => JSON.stringify(i));
  return [
    {
      path,
      message: `names no persona; expected one of ${known.join(', ')}${ids.length > 10 ? ', …' : ''}, got ${describe(id)}`,
    },
  ];
}

/** A field whose value no two entries of a list may share. */
interface UniqueField<T> {
  readonly field: string;
  readonly keyOf: (entry: T) => string;
  /** What a repeat says, given the value and the path of the entry that has it first. */
  readonly repeated?: (key: string, first: string) => string;
}

/**
 * The problems of a list's entries in order: for each, the unique fields it repeats (naming the first entry
 * with the value, which keeps it), then its own problems (`each`).
 */
function listIssues<T>(
  list: readonly T[] | undefined,
  listPath: string,
  each: (entry: T, path: string) => ConfigIssue[],
  unique: readonly UniqueField<T>[],
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = unique.map(() => new Map<string, number>());
  (list ?? []).forEach((entry, i) => {
    unique.forEach(({ field, keyOf, repeated }, u) => {
      const key = keyOf(entry);
      const first = seen[u]?.get(key);
      if (first === undefined) {
        seen[u]?.set(key, i);
        return;
      }
      const firstPath = `${listPath}[${first}]`;
      issues.push({
        path: `${listPath}[${i}].${field}`,
        message: repeated?.(key, firstPath) ?? `"${key}" is already used by ${firstPath}`,
      });
    });
    issues.push(...each(entry, `${listPath}[${i}]`));
  });
  return issues;
}

/** Persona ids and subjects are unique; every defaultPersona names one (the shipped ones when none are listed). */
function personaListIssues(config: SandboxConfig): ConfigIssue[] {
  const issues = listIssues(config.personas, 'personas', personaIssues, [
    { field: 'id', keyOf: (persona) => persona.id },
    {
      field: 'sub',
      keyOf: (persona) => persona.sub ?? persona.fhirUser,
      repeated: (sub, first) =>
        `"${sub}" is already the sub of ${first}; a sub names one person (OpenID Connect Core §2)`,
    },
  ]);
  const known = (config.personas ?? fixturePersonas(fixtureData())).map((p) => p.id);
  issues.push(...defaultPersonaIssues(config.defaultPersona, known, 'defaultPersona'));
  (config.clients ?? []).forEach((client, i) => {
    issues.push(...defaultPersonaIssues(client.defaultPersona, known, `clients[${i}].defaultPersona`));
  });
  return issues;
}

/** Rules of a config-described profile that a JSON Schema cannot say clearly. */
export function profileIssues(entry: ProfileConfig, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if ((PROFILE_NAMES as readonly string[]).includes(entry.name)) {
    issues.push({
      path: `${at}.name`,
      message: `"${entry.name}" is a built-in profile; choose another name`,
    });
  }
  const profile = profileFromConfig(entry);
  for (const field of ['tokenPath', 'authorizePath'] as const) {
    const problem = reservedPathProblem(profile[field]);
    if (problem !== undefined) issues.push({ path: `${at}.${field}`, message: problem });
  }
  if (profile.tokenPath === profile.authorizePath) {
    issues.push({
      path: `${at}.authorizePath`,
      message: `must differ from tokenPath (${profile.tokenPath})`,
    });
  }
  for (const name of Object.keys(entry.tokenResponse?.extra ?? {})) {
    if ((TOKEN_FIELDS as readonly string[]).includes(name)) {
      issues.push({
        path: `${at}.tokenResponse.extra.${name}`,
        message: `${name} is produced by the sandbox; list it in tokenResponse.fields instead`,
      });
    }
  }
  const scopeLists = [
    ['refreshTokens.offlineScopes', entry.refreshTokens?.offlineScopes],
    ['discovery.scopesSupported', entry.discovery?.scopesSupported],
  ] as const;
  for (const [field, list] of scopeLists) {
    (list ?? []).forEach((scope, i) => {
      if (splitScope(scope)?.length !== 1) {
        issues.push({ path: `${at}.${field}[${i}]`, message: 'expected one scope token (RFC 6749 §3.3)' });
      }
    });
  }
  return issues;
}

/** `profile` names a built-in profile or one in `profiles`; profile names are unique. */
function profileChoiceIssues(config: SandboxConfig): ConfigIssue[] {
  const issues = listIssues(config.profiles, 'profiles', profileIssues, [
    { field: 'name', keyOf: (p) => p.name },
  ]);
  const names = [...PROFILE_NAMES, ...new Set((config.profiles ?? []).map((p) => p.name))];
  if (config.profile !== undefined && !names.includes(config.profile)) {
    issues.push({
      path: 'profile',
      message: `expected one of ${names.map((n) => JSON.stringify(n)).join(', ')} (built in or in profiles), got ${describe(config.profile)}`,
    });
  }
  return issues;
}

/**
 * The config one more issuer serves (README "Many issuers"): its own fields, with the top-level `profiles`
 * when it describes none of its own, so `--issuer NAME=PROFILE` can name a profile the config describes.
 */
export function issuerConfig(entry: IssuerConfig, top: SandboxConfig): SandboxConfig {
  // The name and colour are the registry's; the rest is a config like the top level's.
  const settings: Partial<IssuerConfig> = { ...entry };
  delete settings.name;
  delete settings.colour;
  const profiles = settings.profiles ?? top.profiles;
  return { ...settings, ...(profiles === undefined ? {} : { profiles }) };
}

/**
 * Issuer names are unique and never `default` (the root's); each issuer's own settings are a valid config,
 * its problems named under `issuers[i]`.
 */
function issuerListIssues(
  config: SandboxConfig,
  source: string,
  launchData: FhirData | null | undefined,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  (config.issuers ?? []).forEach((entry, i) => {
    const at = `issuers[${i}]`;
    const first = seen.get(entry.name);
    if (entry.name === DEFAULT_ISSUER_NAME) {
      issues.push({
        path: `${at}.name`,
        message: `"${DEFAULT_ISSUER_NAME}" names the issuer at the root paths (the top-level fields); choose another name`,
      });
    } else if (first !== undefined) {
      issues.push({ path: `${at}.name`, message: `"${entry.name}" is already used by issuers[${first}]` });
    } else {
      seen.set(entry.name, i);
    }
    try {
      parseConfig(issuerConfig(entry, config), source, launchData);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const issue of err.issues) issues.push({ ...issue, path: join(at, issue.path) });
    }
  });
  return issues;
}

/** Validates a parsed JSON document as a config; throws ConfigError listing every problem. */
/**
 * Validates a config document. `launchData` is the FHIR data its launch context must agree with: by default the
 * shipped fixtures (unless the config loads its own data, read later), a running server's own data, or `null`
 * for none (a stored state, whose data may have changed since: launches are checked when they are made).
 */
export function parseConfig(doc: unknown, source = 'config', launchData?: FhirData | null): SandboxConfig {
  const issues = schemaIssues(ConfigSchema, doc);
  if (issues.length > 0) throw new ConfigError(source, issues);
  const config = doc as SandboxConfig;
  issues.push(
    ...listIssues(config.clients, 'clients', clientIssues, [{ field: 'clientId', keyOf: (c) => c.clientId }]),
  );
  issues.push(...profileChoiceIssues(config));
  issues.push(...personaListIssues(config));
  issues.push(...issuerListIssues(config, source, launchData));
  const upstream = config.fhir?.upstream;
  const upstreamProblem = upstream === undefined ? undefined : absoluteUrl(upstream, ['http:', 'https:']);
  if (upstreamProblem !== undefined) issues.push({ path: 'fhir.upstream', message: upstreamProblem });
  // The launch context as every launch will see it (defaults resolved), against the data the FHIR base serves.
  // Data the config loads is read at start-up, after this check: launches are checked against it then.
  // Behind an upstream, the launch patient lives on the upstream server, which is not asked at start-up.
  const ownData =
    config.fhir?.load !== undefined ||
    !resolveConfig(config).fhir.fixtures ||
    config.fhir?.upstream !== undefined;
  const data = launchData === undefined ? (ownData ? null : fixtureData()) : launchData;
  if (data !== null) issues.push(...launchContextIssues(configuredContext(config), data, 'launch.'));
  if (issues.length > 0) throw new ConfigError(source, issues);
  return config;
}

/** Reads and validates a config file; every failure is a ConfigError that names the file. */
export async function loadConfigFile(file: string): Promise<SandboxConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(file, [
      { path: '', message: `cannot be read (${code}); expected a readable JSON file` },
    ]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `is not valid JSON (${(err as Error).message})` }]);
  }
  const config = parseConfig(doc, file);
  const load = config.fhir?.load;
  if (load === undefined) return config;
  // A config names its data beside itself: paths are the config file's, wherever the command was started.
  const dir = path.dirname(path.resolve(file));
  return { ...config, fhir: { ...config.fhir, load: load.map((p) => path.resolve(dir, p)) } };
}
