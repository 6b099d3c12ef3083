import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { MAX_ISSUERS } from '../server/config/schema.js';
import { KeyRing, type StoredKeys } from '../server/keys/key-ring.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Signing keys generated once per run, handed to every test sandbox (see test/helpers/sandbox.ts). */
    signingKeys: StoredKeys;
    /** One RS256 key each for the first issuers beside the default one, distinct from `signingKeys`. */
    issuerSigningKeys: StoredKeys[];
  }
}

/**
 * The black-box tests start `bin/token-sandbox.js`, which runs the bundled server (scripts/bundle.mjs). tsc
 * alone (the typecheck) does not rebuild the bundle, so without this a test run after a change would drive the
 * previous build. tsc is incremental; the bundle is rebuilt only when esbuild's output differs from the bundle
 * in dist (see bundleUpToDate).
 *
 * It also generates RS256 keys once for the whole run (one for every sandbox, one each for the first issuers
 * beside the default one): an RSA-2048 key takes 50 to 300 ms, and generating one per
 * test sandbox was most of the suite's time. ES256 keys take a millisecond, so each sandbox that signs ES256
 * still makes its own, and a JWKS holds only the keys its sandbox has used, as outside tests.
 */
export default async function setup(project: TestProject): Promise<void> {
  // Every test project (vitest.config.ts) runs this file afresh, in the one main process: the build and the
  // key are made once per run and handed to each project.
  globalThis.tokenSandboxTestSetup ??= prepare();
  const { root, issuers } = await globalThis.tokenSandboxTestSetup;
  project.provide('signingKeys', root);
  project.provide('issuerSigningKeys', issuers);
}

declare global {
  var tokenSandboxTestSetup: Promise<{ root: StoredKeys; issuers: StoredKeys[] }> | undefined;
}

/**
 * As many as a sandbox may serve beside the default (MAX_ISSUERS): a data folder saves every issuer's keys at
 * start, so a test of the issuer limit would otherwise generate sixteen RSA keys of its own. About a second
 * of CPU once per run, against four in that test alone.
 */
const POOLED_ISSUER_KEYS = MAX_ISSUERS;

async function rs256Keys(): Promise<StoredKeys> {
  const ring = await KeyRing.load(undefined);
  await ring.signingKey('RS256');
  return ring.toStored();
}

async function prepare(): Promise<{ root: StoredKeys; issuers: StoredKeys[] }> {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.json'], {
    stdio: 'inherit',
  });
  if (!bundleUpToDate()) execFileSync(process.execPath, ['scripts/bundle.mjs', 'cli'], { stdio: 'inherit' });
  // Generated concurrently, on libuv's threads.
  const [root, ...issuers] = await Promise.all(
    Array.from({ length: 1 + POOLED_ISSUER_KEYS }, () => rs256Keys()),
  );
  if (root === undefined) throw new Error('no signing keys were generated');
  return { root, issuers };
}

const BUNDLE = 'dist/server/cli.bundle.cjs';

/**
 * Whether dist holds the bundle today's sources make, with its code cache. Rebuilding it starts the built command
 * once to record V8's cache (scripts/bundle.mjs), a second of CPU per run; esbuild alone takes a fraction of
 * that. Comparing esbuild's fresh output byte for byte with the bundle in dist compares every input (sources,
 * dependencies, bundler options) at once, so a stale bundle is never served.
 */
function bundleUpToDate(): boolean {
  if (!existsSync(BUNDLE) || !existsSync(`${BUNDLE}.v8-cache`)) return false;
  const dir = mkdtempSync(path.join(tmpdir(), 'token-sandbox-bundle-'));
  try {
    const fresh = path.join(dir, 'cli.bundle.cjs');
    execFileSync(process.execPath, ['scripts/bundle.mjs', 'cli', '--outfile', fresh], { stdio: 'inherit' });
    return readFileSync(fresh).equals(readFileSync(BUNDLE));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
