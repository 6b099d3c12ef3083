import path from 'node:path';
import { unlink, readdir } from 'node:fs/promises';
import type { SandboxConfig } from '../config/schema.js';
import { ConfigError, parseConfig } from '../config/validate.js';
import type { FailureArm } from '../failures/board.js';
import type { ArtefactSnapshot, ArtefactStore } from '../store/artefacts.js';
import { StateFileError, readJsonFile } from './json-file.js';

/** The file in the data folder that holds clients, settings, failure presets and issued grants. */
export const STATE_FILE = 'state.json';
const VERSION = 1;

/** The issued artefacts an app under test may still hold, so its tokens stay valid across a restart. */
export type StoredArtefacts = ArtefactSnapshot;

export interface StateDocument {
  readonly version: typeof VERSION;
  /** Clients and settings: the config document without `failures` (those arm only from a config file). */
  readonly config: SandboxConfig;
  readonly presets: Record<string, FailureArm[]>;
  readonly artefacts: StoredArtefacts;
  /** Remembered sign-in choices: persona id by client_id (absent in files written before personas). */
  readonly remembered?: Record<string, string>;
}

/** The state file's content: the config without armed failures (those arm only from a config file). */
export function stateDocument(
  config: SandboxConfig,
  presets: ReadonlyMap<string, FailureArm[]>,
  store: ArtefactStore,
  remembered: ReadonlyMap<string, string> = new Map(),
): StateDocument {
  const kept = withoutStartupFiles(config);
  delete kept.failures;
  return {
    version: VERSION,
    config: kept,
    presets: Object.fromEntries(presets),
    artefacts: store.snapshot(),
    ...(remembered.size === 0 ? {} : { remembered: Object.fromEntries(remembered) }),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type FieldKind = 'string' | 'number' | 'strings' | 'object' | 'pairs' | 'refresh-state';

function isPairList(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'number')
  );
}

function fits(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'object':
      return isObject(value);
    case 'pairs':
      return isPairList(value);
    case 'refresh-state':
      return value === 'active' || value === 'rotated' || value === 'revoked';
  }
}

/** Required fields must be there with their type; optional ones (`?`) may be absent (JSON drops undefined). */
type Shape = Record<string, FieldKind | `${FieldKind}?`>;

const CODE_SHAPE: Shape = {
  code: 'string',
  clientId: 'string',
  redirectUri: 'string?',
  deliveredTo: 'string',
  codeChallenge: 'string?',
  scope: 'strings',
  nonce: 'string?',
  sub: 'string',
  authTime: 'number',
  context: 'object',
  issuedAt: 'number',
  expiresAt: 'number',
  consumedAt: 'number?',
  burnedBy: 'string?',
  grantId: 'string?',
};
const GRANT_SHAPE: Shape = {
  id: 'string',
  clientId: 'string',
  sub: 'string',
  scope: 'strings',
  authTime: 'number',
  context: 'object',
  createdAt: 'number',
  fromCode: 'string?',
  accessTokens: 'pairs',
  refreshTokens: 'strings',
  revokedAt: 'number?',
  revokeReason: 'string?',
  expiresAt: 'number',
};
const REFRESH_SHAPE: Shape = {
  token: 'string',
  grantId: 'string',
  clientId: 'string',
  scope: 'strings',
  issuedAt: 'number',
  expiresAt: 'number',
  state: 'refresh-state',
  rotatedAt: 'number?',
  replacedBy: 'string?',
};

/**
 * What is wrong with a list of stored records, naming the first bad entry and field, or undefined when each
 * record has every field the server reads, with its type. A hand-edited or damaged file must stop start-up
 * with this message, not with a TypeError at start or a 500 when the record is first used.
 */
function listProblem(name: string, list: unknown, shape: Shape): string | undefined {
  if (!Array.isArray(list)) return `${name} is not a list`;
  for (const [i, item] of list.entries()) {
    if (!isObject(item)) return `${name}[${i}] is not an object`;
    for (const [field, spec] of Object.entries(shape)) {
      const optional = spec.endsWith('?');
      const kind = (optional ? spec.slice(0, -1) : spec) as FieldKind;
      const value = item[field];
      if (value === undefined && optional) continue;
      if (!fits(value, kind))
        return `${name}[${i}].${field} is ${value === undefined ? 'missing' : JSON.stringify(value)}`;
    }
  }
  return undefined;
}

/**
 * Reads the state file; undefined when there is none. A file that cannot be used stops start-up with a
 * StateFileError that names it and what is wrong; it is never overwritten.
 */
export async function readStateFile(dataDir: string): Promise<StateDocument | undefined> {
  const file = path.join(dataDir, STATE_FILE);
  const doc = await readJsonFile(file);
  if (doc === undefined) return undefined;
  const fail = (why: string) => new StateFileError(file, why);
  if (!isObject(doc) || doc['version'] !== VERSION) {
    throw fail(`is not a version ${VERSION} token-sandbox state file`);
  }
  let config: SandboxConfig;
  try {
    config = parseConfig(doc['config'], `${file} (config)`, null);
  } catch (err) {
    if (err instanceof ConfigError) throw fail(`holds an invalid config (${err.message})`);
    throw err;
  }
  const presets = doc['presets'];
  if (!isObject(presets) || !Object.values(presets).every((p) => Array.isArray(p))) {
    throw fail('holds failure presets in an unexpected shape');
  }
  for (const [name, arms] of Object.entries(presets)) {
    try {
      parseConfig({ failures: arms }, `${file} (preset ${name})`);
    } catch (err) {
      if (err instanceof ConfigError)
        throw fail(`holds an invalid failure preset "${name}" (${err.message})`);
      throw err;
    }
  }
  const a = doc['artefacts'];
  if (!isObject(a)) throw fail('holds issued grants in an unexpected shape (artefacts is not an object)');
  const problem =
    listProblem('codes', a['codes'], CODE_SHAPE) ??
    listProblem('grants', a['grants'], GRANT_SHAPE) ??
    listProblem('refreshTokens', a['refreshTokens'], REFRESH_SHAPE) ??
    (isPairList(a['revokedAccessTokens']) ? undefined : 'revokedAccessTokens is not a list of [jti, exp]') ??
    (isPairList(a['expiredAccessTokens']) ? undefined : 'expiredAccessTokens is not a list of [jti, exp]');
  if (problem !== undefined) {
    const shown = problem.length > 200 ? `${problem.slice(0, 200)}…` : problem;
    throw fail(`holds issued grants in an unexpected shape (${shown})`);
  }
  const remembered = doc['remembered'];
  if (
    remembered !== undefined &&
    (!isObject(remembered) || !Object.values(remembered).every((v) => typeof v === 'string'))
  ) {
    throw fail(
      'holds remembered sign-in choices in an unexpected shape (expected client ids to persona ids)',
    );
  }
  return {
    version: VERSION,
    config,
    presets: presets as Record<string, FailureArm[]>,
    artefacts: a as unknown as StoredArtefacts,
    ...(remembered === undefined ? {} : { remembered: remembered as Record<string, string> }),
  };
}

/**
 * The config without `fhir.load`: files are read only from the config file given at start-up, so a state file
 * (written by an earlier release, or edited) never makes the server read a file that file does not name.
 */
function withoutStartupFiles<T extends Pick<SandboxConfig, 'fhir'>>(config: T): T {
  if (config.fhir?.load === undefined) return { ...config };
  const fhir = { ...config.fhir };
  delete fhir.load;
  return { ...config, fhir };
}

/**
 * Config at start: what the data folder holds, with the config file (and `--profile`) on top. Clients the
 * file names replace stored ones of the same client_id; the rest of the stored clients stay.
 */
export function mergeConfig(storedDocument: SandboxConfig, given: SandboxConfig): SandboxConfig {
  const stored = withoutStartupFiles(storedDocument);
  const clients = new Map((stored.clients ?? []).map((c) => [c.clientId, c]));
  for (const c of given.clients ?? []) clients.set(c.clientId, c);
  // Issuers added through the admin API are kept here (README "Many issuers"); the given ones win by name.
  const issuers = new Map((stored.issuers ?? []).map((i) => [i.name, withoutStartupFiles(i)]));
  for (const i of given.issuers ?? []) issuers.set(i.name, i);
  return {
    ...stored,
    ...given,
    clients: [...clients.values()],
    ...(issuers.size === 0 ? {} : { issuers: [...issuers.values()] }),
  };
}

/** Removes temporary files a killed writer left behind (docs/cli.md#data-folder); the state files themselves are never touched. */
export async function removeStaleTemporaries(dataDir: string): Promise<void> {
  for (const name of await readdir(dataDir)) {
    if (/^(state|keys|fhir)\.json\.\d+$/.test(name))
      await unlink(path.join(dataDir, name)).catch(() => undefined);
  }
}
