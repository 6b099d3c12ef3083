import path from 'node:path';
import type { webcrypto } from 'node:crypto';
import { SystemClock, type Clock } from '../clock.js';
import { resolveConfig } from '../config/defaults.js';
import { MAX_ISSUERS, type SandboxConfig } from '../config/schema.js';
import { FhirData, fixtureResources } from '../fhir/data.js';
import { readFhirSources } from '../fhir/load-files.js';
import { KeyRing, type StoredKeys } from '../keys/key-ring.js';
import { Sandbox, type SandboxOptions } from '../sandbox.js';
import { DataFolder } from './data-folder.js';
import { readFhirFile } from './fhir-file.js';
import { StateFileError } from './json-file.js';
import { STATE_FILE, mergeConfig, stateDocument, type StateDocument } from './state-file.js';

/** How to start a sandbox: who it is ({@link SandboxOptions}), and where its config, keys and state come from. */
export interface RestoreOptions extends SandboxOptions {
  /** The sandbox's clock; the system's when absent. */
  readonly clock?: Clock;
  /** A validated config document (docs/config.md); defaults apply to whatever it leaves out. */
  readonly config?: SandboxConfig;
  /** Where state persists (docs/cli.md#data-folder); in memory only when absent. */
  readonly dataDir?: string;
  /** An RS256 key pair already being generated (the CLI starts one before it loads the server). */
  readonly earlyRs256Key?: Promise<webcrypto.CryptoKeyPair>;
  /**
   * Private signing keys to start with, in the shape a data folder's `keys.json` keeps them, so a caller that
   * starts many sandboxes generates a key once instead of once per sandbox. A data folder's own keys win; with
   * a data folder that has none yet, these are the keys it keeps.
   */
  readonly signingKeys?: StoredKeys;
  /**
   * The data folder's config is the one in force, `config` only standing in when the folder has none: an issuer
   * restored from the default issuer's state, whose own admin API may have changed it since (README "Many issuers").
   */
  readonly storedConfigWins?: boolean;
}

/**
 * Starts a sandbox. With `dataDir`, its parts are restored from that data folder (config merged with the stored
 * one, signing keys, FHIR changes, issued artefacts, failure presets, remembered sign-in choices) and kept saved
 * there from then on; without, they start fresh in memory. A folder that cannot be used stops start-up with a
 * StateFileError naming the file and what is wrong.
 */
export async function restoreSandbox(options: RestoreOptions = {}): Promise<Sandbox> {
  const folder = options.dataDir === undefined ? undefined : await DataFolder.open(options.dataDir);
  const state = folder?.storedState;
  const clock = options.clock ?? new SystemClock();
  const keys = await KeyRing.load(folder?.storedKeys ?? options.signingKeys, options.earlyRs256Key, () =>
    clock.now(),
  );
  const config =
    state === undefined
      ? (options.config ?? {})
      : options.storedConfigWins === true
        ? state.config
        : mergeConfig(state.config, options.config ?? {});
  // The issuers the data folder keeps and those the config adds are served together. Past the limit the
  // start stops here, before a state the next start would refuse ("must not have more than 16") is written.
  const served = config.issuers?.length ?? 0;
  if (folder !== undefined && served > MAX_ISSUERS) {
    const kept = state?.config.issuers?.length ?? 0;
    throw new StateFileError(
      path.join(folder.dir, STATE_FILE),
      `keeps ${kept} issuers and the config or --issuer adds ${served - kept} more: at most ${MAX_ISSUERS} beside the default one (the issuers limit); start without the new ones, or remove some first (DELETE /_sandbox/api/issuers/NAME)`,
    );
  }
  const fhir = await startingFhirData(config, clock.now());
  if (folder !== undefined) for (const v of await readFhirFile(folder.dir)) fhir.restore(v);
  const sandbox = new Sandbox({ config, clock, keys, fhir, saved: state, keeper: folder }, options);
  const activeKey = sandbox.signingKey();
  if (folder === undefined) {
    // In memory only, the key is generated while routes are registered and the server starts listening:
    // RSA-2048 generation is most of a cold start. The first request that signs, or asks for the JWKS,
    // waits for it. The no-op handler only keeps a failure from being an unhandled rejection; those
    // requests still see it.
    activeKey.catch(() => undefined);
    return sandbox;
  }
  // A key that is to persist is written before the server starts: a token signed with a key that was
  // never saved would stop verifying after a restart, and a failed write stops the start-up instead.
  await activeKey;
  await folder.saveKeysIfNew(keys.toStored());
  // Every issued or revoked artefact is written soon after (coalesced), so an app's tokens survive a restart.
  folder.keep(sandbox.events, () => stateOf(sandbox), fhir);
  await sandbox.persist();
  return sandbox;
}

/** The state file's content at this moment (read synchronously, as DataFolder.keep requires). */
function stateOf(sandbox: Sandbox): StateDocument {
  return stateDocument(sandbox.exportConfig(), sandbox.presets, sandbox.store, sandbox.standingChoices());
}

/**
 * The FHIR data a start serves before the data folder's changes: the shipped fixtures unless `fhir.fixtures` is
 * false, then every file `fhir.load` names (a file that cannot be loaded stops start-up).
 */
async function startingFhirData(config: SandboxConfig, now: number): Promise<FhirData> {
  const { limits, fhir } = resolveConfig(config);
  const data = new FhirData(fhir.fixtures ? fixtureResources() : []);
  const max = limits.fhirResources;
  const loaded = await readFhirSources(config.fhir?.load ?? [], max - data.size);
  const at = new Date(now).toISOString();
  for (const r of loaded) data.put(r, at, 'base');
  return data;
}
