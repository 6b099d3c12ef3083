import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** A CommonJS bundle loaded through V8's code cache. */
export interface CachedBundle {
  readonly exports: unknown;
  /** Whether V8 took the compiled code from the cache (false: no cache yet, a stale one, or another V8). */
  readonly cacheUsed: boolean;
  /** Writes the code V8 has compiled so far, so the next start skips compiling it. */
  saveCodeCache(): void;
}

const DIGEST_BYTES = 32;

/**
 * Loads the command's bundle (scripts/bundle.mjs) the way Node loads a CommonJS file, but hands V8 the code it
 * compiled on an earlier run. Parsing and compiling the server's 2.7 MB of JavaScript is the largest cost of a
 * cold start after Node's own; with the cache a start takes about 60 % of the time (docs/benchmarks.md).
 *
 * The cache file starts with the SHA-256 of the bundle it was made from: V8 checks its own version and flags
 * but, of the source, only the length, and code compiled for another source must never run.
 */
export function loadCachedBundle(file: string): CachedBundle {
  const source = readFileSync(file, 'utf8');
  const digest = createHash('sha256').update(source).digest();
  const cacheFile = `${file}.v8-cache`;
  const cachedData = readCache(cacheFile, digest);
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} as unknown };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return {
    exports: module.exports,
    cacheUsed: cachedData !== undefined && script.cachedDataRejected !== true,
    saveCodeCache() {
      // Written whole, then renamed: a start that reads it meanwhile sees the old cache or the new, never half.
      const partial = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(partial, Buffer.concat([digest, script.createCachedData()]));
      renameSync(partial, cacheFile);
    },
  };
}

function readCache(cacheFile: string, digest: Buffer): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(cacheFile);
  } catch {
    return undefined; // no cache yet: compile as usual
  }
  if (data.length <= DIGEST_BYTES || !data.subarray(0, DIGEST_BYTES).equals(digest)) return undefined;
  return data.subarray(DIGEST_BYTES);
}
