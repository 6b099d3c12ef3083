import path from 'node:path';
import type { EventBus } from '../events.js';
import type { FhirData } from '../fhir/data.js';
import { KEYS_FILE_VERSION, type StoredKeys } from '../keys/key-ring.js';
import type { StateKeeper } from '../sandbox.js';
import { prepareDataDir } from './data-dir.js';
import { FhirFile } from './fhir-file.js';
import { readJsonFile, StateFileError, writeJsonFile } from './json-file.js';
import { STATE_FILE, readStateFile, removeStaleTemporaries, type StateDocument } from './state-file.js';
import { WriteQueue } from './write-queue.js';
import { ARTEFACT_EVENTS } from '../artefact-events.js';

/** How long issued and revoked artefacts may wait to be written, so a burst shares one write. */
const PERSIST_DELAY_MS = 1000;

const KEYS_FILE = 'keys.json';

/**
 * A data folder in use (docs/cli.md#data-folder): what it held at start, and the writer that keeps it current.
 * The server's state stays in `Sandbox`; this owns the files, the write queues and when writes happen.
 */
export class DataFolder implements StateKeeper {
  #writes: WriteQueue | undefined;
  /** Where loaded and written FHIR resources are kept. */
  #fhirFile: FhirFile | undefined;
  /** A background write scheduled by persistSoon. */
  #soon: NodeJS.Timeout | undefined;
  /** The last background write failed (reported once until one succeeds). */
  #saveFailing = false;

  private constructor(
    readonly dir: string,
    /** The signing keys the folder held at start; undefined when it had none. */
    readonly storedKeys: StoredKeys | undefined,
    /** The state the folder held at start; undefined when it had none. */
    readonly storedState: StateDocument | undefined,
  ) {}

  /**
   * Prepares the folder (created 0700, or checked like ssh checks `~/.ssh`), reads its keys and state, and
   * removes temporaries a killed writer left. A file that cannot be used stops start-up (StateFileError).
   */
  static async open(dir: string): Promise<DataFolder> {
    const resolved = path.resolve(dir);
    await prepareDataDir(resolved);
    const keys = parseStoredKeys(await readJsonFile(path.join(resolved, KEYS_FILE)), resolved);
    const state = await readStateFile(resolved);
    await removeStaleTemporaries(resolved);
    return new DataFolder(resolved, keys, state);
  }

  /**
   * Writes the signing keys when they differ in number from those the folder held, so a folder whose keys did
   * not change is left byte for byte as it was (a version 1 keys.json stays version 1 until a rotation).
   */
  async saveKeysIfNew(keys: StoredKeys): Promise<void> {
    if (keys.keys.length !== (this.storedKeys?.keys.length ?? 0)) await this.saveKeys(keys);
  }

  /** Writes the signing keys (crash-safe: a new file renamed over the old one), after a rotation or retirement. */
  async saveKeys(keys: StoredKeys): Promise<void> {
    await writeJsonFile(path.join(this.dir, KEYS_FILE), keys);
  }

  /**
   * From now on, `snapshot` is written on every `persist()` and soon after every change to issued artefacts,
   * and `fhir`'s changed resources on every `persistFhir()`. `snapshot` must read the state synchronously
   * (WriteQueue takes it before its first await).
   */
  keep(events: EventBus, snapshot: () => StateDocument, fhir: FhirData): void {
    this.#fhirFile = new FhirFile(this.dir, fhir);
    const file = path.join(this.dir, STATE_FILE);
    this.#writes = new WriteQueue(() => writeJsonFile(file, snapshot()));
    // Best effort between admin writes; the admin API awaits persist() itself before it answers.
    const later = () => {
      this.persistSoon();
    };
    for (const name of ARTEFACT_EVENTS) events.on(name, later);
  }

  /** Resolves once the current state is durably written. */
  async persist(): Promise<void> {
    // A write requested now covers whatever a scheduled one would have written.
    clearTimeout(this.#soon);
    this.#soon = undefined;
    return this.#writes?.request();
  }

  /** Resolves once the FHIR data as it is now is durably written. */
  async persistFhir(): Promise<void> {
    return this.#fhirFile?.persist();
  }

  /**
   * Persists within PERSIST_DELAY_MS, folding every change in that window into one write: a burst of issued
   * codes costs a few writes, not one fsync of the whole state per request. Graceful close persists at once
   * (app.ts `onClose`), so nothing answered is lost to the delay.
   */
  persistSoon(): void {
    if (this.#writes === undefined || this.#soon !== undefined) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.#writes?.request().then(
        () => {
          this.#saveFailing = false;
        },
        (err: unknown) => {
          // Nobody awaits a background write, so its failure is said here, once per run of failures:
          // issued tokens that silently stop being saved would vanish at the next restart.
          if (this.#saveFailing) return;
          this.#saveFailing = true;
          const reason = err instanceof Error ? err.message : String(err);
          process.stderr.write(
            `token-sandbox: could not save issued tokens to the data folder (${reason}); they will be lost on restart until a save succeeds\n`,
          );
        },
      );
    }, PERSIST_DELAY_MS);
    this.#soon.unref();
  }
}

const isTime = (t: unknown) => t === undefined || (typeof t === 'number' && Number.isFinite(t));

function isStoredKey(k: unknown): boolean {
  if (typeof k !== 'object' || k === null) return false;
  const { alg, jwk, createdAt, publishedUntil, retiredAt } = k as Record<string, unknown>;
  return (
    (alg === 'RS256' || alg === 'ES256') &&
    typeof jwk === 'object' &&
    jwk !== null &&
    isTime(createdAt) &&
    isTime(publishedUntil) &&
    isTime(retiredAt)
  );
}

/** keys.json: version 1 (no `version`, what earlier releases wrote) or version 2 (key times for rollover). */
function parseStoredKeys(doc: unknown, dataDir: string): StoredKeys | undefined {
  if (doc === undefined) return undefined;
  const file = path.join(dataDir, KEYS_FILE);
  const version: unknown =
    typeof doc === 'object' && doc !== null ? (doc as { version?: unknown }).version : undefined;
  if (version !== undefined && version !== KEYS_FILE_VERSION) {
    throw new StateFileError(
      file,
      `is keys.json version ${JSON.stringify(version)}; this release reads versions 1 and ${KEYS_FILE_VERSION} (a newer release wrote it?)`,
    );
  }
  const keys: unknown =
    typeof doc === 'object' && doc !== null ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys) || !keys.every(isStoredKey)) {
    throw new StateFileError(file, 'does not hold signing keys in the expected shape');
  }
  return doc as StoredKeys;
}
