// `npm start --port 0` (npm keeps --port and exports npm_config_port=true to everything `npm start` runs) must
// end in the one line that says `npm start -- --port 0`. It used to fail inside `npm run build` instead: the
// build's warm-up start of the command (scripts/bundle.mjs) inherited npm's flags, was refused, and the build
// died with a stack trace and advice to run `npm run build -- --port N`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { withoutNpmFlags } from '../../scripts/npm-env.mjs';
import { BIN, runCliToExit } from '../helpers/cli.js';

/** The environment `npm start --port 0` hands its build step. */
const npmStartBuildEnv = {
  npm_lifecycle_event: 'build',
  npm_lifecycle_script: 'tsc -b tsconfig.json && node scripts/bundle.mjs && vite build',
  npm_config_port: 'true',
};

describe('the build under `npm start --port 0`', () => {
  it('is what the command refuses when npm flags reach it', async () => {
    const { code, stderr } = await runCliToExit(['serve', '--port', '0'], npmStartBuildEnv);
    expect(code).toBe(2);
    expect(stderr).toContain('npm kept --port for itself');
  });

  it("starts the build's warm-up run without npm's flags, so the build completes", async () => {
    const env = withoutNpmFlags({ ...process.env, ...npmStartBuildEnv });
    expect(
      Object.keys(env).filter((name) => name.startsWith('npm_config_') || name.startsWith('npm_lifecycle_')),
    ).toEqual([]);
    expect(env['PATH']).toBe(process.env['PATH']);
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let listening = '';
      for await (const line of createInterface({ input: child.stdout })) {
        if (line.includes('listening on')) {
          listening = line;
          break;
        }
      }
      expect(listening).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(((await once(child, 'exit')) as [number | null])[0]).toBe(0);
  });

  it('is how scripts/bundle.mjs starts its warm-up run', async () => {
    const source = await readFile(new URL('../../scripts/bundle.mjs', import.meta.url), 'utf8');
    expect(source).toContain("env: { ...withoutNpmFlags(process.env), TOKEN_SANDBOX_SAVE_CODE_CACHE: '1' }");
  });
});
