import { readFileSync } from 'node:fs';

/**
 * The package's version, from its package.json: two folders above the build (dist/server/, where the CLI bundle
 * also sits), one above the source (tests run it from server/). `unknown` when neither is ours.
 */
export function packageVersion(): string {
  for (const relative of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'token-sandbox' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not this one; try the next
    }
  }
  return 'unknown';
}
