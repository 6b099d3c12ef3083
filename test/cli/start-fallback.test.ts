// `npm start` where no Electron binary can be had: one line saying why, then the headless server with the
// workbench URL. Runs scripts/start.mjs after the build (`npm test` builds; so does `npm run typecheck`).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { findElectron } from '../../scripts/electron-bin.mjs';

const found = findElectron();

describe('npm start without an Electron binary', () => {
  it.skipIf(found.ok)('says why in one line and serves the workbench in the browser instead', async () => {
    if (found.ok) return;
    const child = spawn(process.execPath, ['scripts/start.mjs', '--port', '0'], {
      // Skips electron's installer, so a machine with internet does not download Electron during tests.
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines: string[] = [];
      const reader = createInterface({ input: child.stdout });
      for await (const line of reader) {
        lines.push(line);
        if (line.includes('workbench http')) break;
      }
      expect(lines[0]).toBe(
        `Electron binary not available (${found.reason}); serving the workbench in your browser instead.`,
      );
      expect(lines[1]).toMatch(/^token-sandbox: listening on http:\/\/127\.0\.0\.1:\d+$/);
      const workbench = /workbench (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/.exec(lines[2] ?? '')?.[1];
      expect(workbench).toBeDefined();
      expect((await fetch(workbench ?? '')).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});

describe('npm start --port 0 (npm keeps --port for itself)', () => {
  it('says how to pass flags through npm before starting either app, exit 2', async () => {
    // What npm 10/11 hands scripts/start.mjs for `npm start --port 0 --user-data-dir=/tmp/x`.
    const child = spawn(process.execPath, ['scripts/start.mjs', '0'], {
      env: {
        ...process.env,
        ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
        npm_lifecycle_event: 'start',
        npm_config_port: 'true',
        npm_config_user_data_dir: '/tmp/x',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toBe(
      'token-sandbox: npm kept --port --user-data-dir for itself and did not pass it on; put -- before the ' +
        'flags: npm start -- --port 0 --user-data-dir /tmp/x.\n',
    );
  });

  it('says so for a switch too (npm start --https), before the desktop app starts without it', async () => {
    // A stand-in Electron that says it ran: without the check, the desktop app would start on plain http.
    const dist = await mkdtemp(path.join(tmpdir(), 'token-sandbox-electron-'));
    await writeFile(path.join(dist, 'electron'), '#!/bin/sh\necho electron ran\n', { mode: 0o755 });
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      env: {
        ...process.env,
        ELECTRON_OVERRIDE_DIST_PATH: dist,
        npm_lifecycle_event: 'start',
        npm_config_https: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    await rm(dist, { recursive: true, force: true });
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'token-sandbox: npm kept --https for itself and did not pass it on; put -- before the flags: ' +
        'npm start -- --https.\n',
    );
    expect(code).toBe(2);
  });
});

describe('npm start -- --version / --help', () => {
  it('answers at once with the command’s own output, without looking for Electron', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const [flag, expected] of [
      ['--version', `token-sandbox ${pkg.version}\n`],
      ['--help', 'Usage: token-sandbox serve [options]'],
    ] as const) {
      // Without ELECTRON_SKIP_BINARY_DOWNLOAD: the answer must not wait for (or try) a download either.
      const child = spawn(process.execPath, ['scripts/start.mjs', flag], {
        env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: undefined, npm_lifecycle_event: 'start' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      if (flag === '--version') expect(stdout).toBe(expected);
      else expect(stdout.startsWith(expected)).toBe(true);
    }
  });
});
