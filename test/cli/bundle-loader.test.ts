// The command loads its bundle through V8's code cache (server/bundle-loader.ts): a cache must speed a start
// up when it fits the bundle, and must never be used for another bundle.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCachedBundle } from '../../server/bundle-loader.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-bundle-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bundleSource = (answer: number) => `
  const path = require('node:path');
  exports.answer = () => ${answer};
  exports.where = path.basename(__filename);
`;

/** Writes a bundle that answers `answer` and runs it once, saving its code cache as the command does. */
async function cachedBundle(answer: number): Promise<string> {
  const file = path.join(dir, 'cli.bundle.cjs');
  await writeFile(file, bundleSource(answer));
  loadCachedBundle(file).saveCodeCache();
  return file;
}

const answerOf = (loaded: ReturnType<typeof loadCachedBundle>) =>
  (loaded.exports as { answer: () => number }).answer();

describe('loadCachedBundle', () => {
  it('runs a CommonJS bundle with its own require and __filename', async () => {
    const file = path.join(dir, 'cli.bundle.cjs');
    await writeFile(file, bundleSource(41));
    const loaded = loadCachedBundle(file);
    const exports = loaded.exports as { answer: () => number; where: string };
    expect(exports.answer()).toBe(41);
    expect(exports.where).toBe('cli.bundle.cjs');
    expect(loaded.cacheUsed).toBe(false);
  });

  it('uses the code cache an earlier run saved for the same bundle', async () => {
    const file = await cachedBundle(42);
    const again = loadCachedBundle(file);
    expect(again.cacheUsed).toBe(true);
    expect(answerOf(again)).toBe(42);
  });

  it('ignores a cache made from another bundle of the same length, and runs the new code', async () => {
    const file = await cachedBundle(42);
    // V8 itself compares only the source's length: the digest in the cache file is what catches this.
    await writeFile(file, bundleSource(43));
    const rebuilt = loadCachedBundle(file);
    expect(rebuilt.cacheUsed).toBe(false);
    expect(answerOf(rebuilt)).toBe(43);
  });

  it('ignores a truncated cache file', async () => {
    const file = await cachedBundle(7);
    const cache = await readFile(`${file}.v8-cache`);
    await writeFile(`${file}.v8-cache`, cache.subarray(0, 16));
    const loaded = loadCachedBundle(file);
    expect(loaded.cacheUsed).toBe(false);
    expect(answerOf(loaded)).toBe(7);
  });
});
