import path from 'node:path';
import { unlink, readdir } from 'node:fs/promises';
import type { SandboxConfig } from '../config/schema.js';
import { ConfigError, parseConfig } from '../config/validate.js';
import type { FailureArm } from '../failures/board.js';
import type { ArtefactStore, CodeRecord, GrantRecord, RefreshRecord } from '../store/artefacts.js';
import { StateFileError, readJsonFile } from './json-file.js';

/** The file in the data folder that holds clients, settings, failure presets and issued grants. */
export const STATE_FILE = 'state.json';
const VERSION = 1;

type StoredGrant = Omit<GrantRecord, 'accessTokens' | 'refreshTokens'> & {
  readonly accessTokens: [string, number][];
  readonly refreshTokens: string[];
};

/** The issued artefacts an app under test may still hold, so its tokens stay valid across a restart. */
export interface StoredArtefacts {
  readonly codes: CodeRecord[];
  readonly grants: StoredGrant[];
  readonly refreshTokens: RefreshRecord[];
  readonly revokedAccessTokens: [string, number][];
  readonly expiredAccessTokens: [string, number][];
}

export interface StateDocument {
  readonly version: typeof VERSION;
  /** Clients and settings: the config document without `failures` (those arm only from a config file). */
  readonly config: SandboxConfig;
  readonly presets: Record<string, FailureArm[]>;
  readonly artefacts: StoredArtefacts;
}

export function snapshotArtefacts(store: ArtefactStore): StoredArtefacts {
  return {
    codes: [...store.codes.values()],
    grants: [...store.grants.values()].map((g) => ({
      ...g,
      accessTokens: [...g.accessTokens],
      refreshTokens: [...g.refreshTokens],
    })),
    refreshTokens: [...store.refreshTokens.values()],
    revokedAccessTokens: [...store.revokedAccessTokens],
    expiredAccessTokens: [...store.expiredAccessTokens],
  };
}

/** The state file's content: the config without armed failures (those arm only from a config file). */
export function stateDocument(
  config: SandboxConfig,
  presets: ReadonlyMap<string, FailureArm[]>,
  store: ArtefactStore,
): StateDocument {
  const kept = { ...config };
  delete kept.failures;
  return {
    version: VERSION,
    config: kept,
    presets: Object.fromEntries(presets),
    artefacts: snapshotArtefacts(store),
  };
}

export function restoreArtefacts(store: ArtefactStore, stored: StoredArtefacts): void {
  for (const code of stored.codes) store.codes.set(code.code, { ...code });
  for (const g of stored.grants) {
    store.grants.set(g.id, {
      ...g,
      accessTokens: new Map(g.accessTokens),
      refreshTokens: new Set(g.refreshTokens),
    });
  }
  for (const rt of stored.refreshTokens) store.refreshTokens.set(rt.token, { ...rt });
  for (const [jti, exp] of stored.revokedAccessTokens) store.revokedAccessTokens.set(jti, exp);
  for (const [jti, exp] of stored.expiredAccessTokens) store.expiredAccessTokens.set(jti, exp);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function allHave(list: unknown, fields: Record<string, 'string' | 'number'>): boolean {
  return (
    Array.isArray(list) &&
    list.every((item) => isObject(item) && Object.entries(fields).every(([k, t]) => typeof item[k] === t))
  );
}

function isPairs(list: unknown): boolean {
  return (
    Array.isArray(list) &&
    list.every(
      (p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'number',
    )
  );
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
    config = parseConfig(doc['config'], `${file} (config)`);
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
  if (
    !isObject(a) ||
    !allHave(a['codes'], { code: 'string', clientId: 'string', expiresAt: 'number', issuedAt: 'number' }) ||
    !allHave(a['grants'], { id: 'string', clientId: 'string', sub: 'string', expiresAt: 'number' }) ||
    !allHave(a['refreshTokens'], {
      token: 'string',
      grantId: 'string',
      clientId: 'string',
      expiresAt: 'number',
    }) ||
    !isPairs(a['revokedAccessTokens']) ||
    !isPairs(a['expiredAccessTokens'])
  ) {
    throw fail('holds issued grants in an unexpected shape');
  }
  return {
    version: VERSION,
    config,
    presets: presets as Record<string, FailureArm[]>,
    artefacts: a as unknown as StoredArtefacts,
  };
}

/**
 * Config at start: what the data folder holds, with the config file (and `--profile`) on top. Clients the
 * file names replace stored ones of the same client_id; the rest of the stored clients stay.
 */
export function mergeConfig(stored: SandboxConfig, given: SandboxConfig): SandboxConfig {
  const clients = new Map((stored.clients ?? []).map((c) => [c.clientId, c]));
  for (const c of given.clients ?? []) clients.set(c.clientId, c);
  return { ...stored, ...given, clients: [...clients.values()] };
}

/** Removes temporary files a killed writer left behind (docs/cli.md#data-folder); the state files themselves are never touched. */
export async function removeStaleTemporaries(dataDir: string): Promise<void> {
  for (const name of await readdir(dataDir)) {
    if (/^(state|keys)\.json\.\d+$/.test(name)) await unlink(path.join(dataDir, name)).catch(() => undefined);
  }
}
