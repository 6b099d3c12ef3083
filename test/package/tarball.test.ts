import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutNpmFlags } from '../../scripts/npm-env.mjs';
import { startCli } from '../helpers/cli.js';

// The package as a user gets it: `npm pack`, installed into an empty project from the tarball, README's two
// examples copied there verbatim and run with that project's own Vitest and Playwright, and the command run
// from it. Slow (npm installs), so generous timeouts.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  scripts: Record<string, string>;
};
const INSTALL_MS = 300_000;

/** The version of a development dependency this repository runs, so the npm cache already holds it. */
function installedVersion(name: string): string {
  const file = path.join(root, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** README's code block under `<!-- example: NAME … -->`: the test runs exactly what README shows. */
function readmeExample(name: string): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`<!-- example: ${escaped}[^>]*-->\\s*\`\`\`ts\\n([^]*?)\\n\`\`\`\\n`).exec(readme);
  if (match?.[1] === undefined) throw new Error(`README.md has no example ${name}`);
  return `${match[1]}\n`;
}

/** npm in the scratch project, without the configuration of the `npm test` this runs under. */
async function npm(cwd: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('npm', [...args], {
    cwd,
    env: withoutNpmFlags(process.env),
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

async function runIn(cwd: string, bin: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(path.join(cwd, 'node_modules', '.bin', bin), [...args], {
      cwd,
      env: { ...withoutNpmFlags(process.env), CI: '1', FORCE_COLOR: '0', NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`${bin} ${args.join(' ')} failed:\n${stdout}\n${stderr}`);
  }
}

describe('the packed tarball, installed into an empty project', () => {
  let work: string;
  let project: string;
  let tarball: string;
  let packedBytes: number;
  let packedFiles: string[];

  beforeAll(async () => {
    // `npm test` builds before vitest, so the pack takes the build as it is: its prepack would rebuild dist/
    // under the other test files that run the built command meanwhile.
    for (const built of [
      'dist/server/cli.bundle.cjs',
      'dist/server/test-api/index.js',
      'dist/renderer/index.html',
    ]) {
      if (!existsSync(path.join(root, built)))
        throw new Error(`${built} is missing: run "npm run build" first`);
    }
    work = await mkdtemp(path.join(tmpdir(), 'token-sandbox-package-'));
    const packed = JSON.parse(
      await npm(root, ['pack', '--ignore-scripts', '--json', '--pack-destination', work]),
    ) as { filename: string; size: number; files: { path: string }[] }[];
    tarball = path.join(work, packed[0]?.filename ?? '');
    packedBytes = packed[0]?.size ?? 0;
    packedFiles = (packed[0]?.files ?? []).map((f) => f.path);
    project = path.join(work, 'project');
    await mkdir(project);
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    );
    await npm(project, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  }, INSTALL_MS);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('is named after the version and builds before it packs', () => {
    expect(path.basename(tarball)).toBe(`token-sandbox-${pkg.version}.tgz`);
    expect(pkg.scripts['prepack']).toBe('npm run build');
  });

  it("is the size README reports, within a tenth (README's figures are updated when the package grows)", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const reported = /\| tarball \(packed\)\s*\|[^(|]*\(([\d,]+) bytes/.exec(readme)?.[1];
    expect(reported, 'README "Install from a tarball" gives the packed size in bytes').toBeDefined();
    const bytes = Number((reported ?? '').replaceAll(',', ''));
    expect(Math.abs(packedBytes - bytes) / bytes).toBeLessThan(0.1);
  });

  it('holds the built server, the command and the workbench, and no sources, desktop shell (but its entry) or source maps', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'bin/token-sandbox.js',
        'dist/server/cli.bundle.cjs',
        'dist/renderer/index.html',
      ]),
    );
    // npm always packs the file `main` names: the desktop app's entry, which Electron reads, and nothing imports.
    const stray = packedFiles.filter(
      (f) =>
        !/^(bin\/token-sandbox\.js|dist\/server\/.*|dist\/renderer\/.*|dist\/electron\/main\.js|package\.json|README\.md|LICENSE)$/.test(
          f,
        ) || f.endsWith('.map'),
    );
    expect(stray).toEqual([]);
  });

  it('installs the server only: no Electron, React or Vite comes with it', async () => {
    const installed = await readdir(path.join(project, 'node_modules'));
    expect(installed).toContain('token-sandbox');
    expect(installed).toContain('fastify');
    for (const name of [
      'electron',
      'react',
      'react-dom',
      'vite',
      'vitest',
      '@playwright',
      'esbuild',
      'typescript',
    ]) {
      expect(installed, `${name} was installed with the package`).not.toContain(name);
    }
  });

  it('runs `token-sandbox serve --port 0` from the project, with no build step', async () => {
    const cli = await startCli([], {
      bin: path.join(project, 'node_modules', 'token-sandbox', 'bin', 'token-sandbox.js'),
    });
    try {
      const discovery = (await (await fetch(`${cli.origin}/.well-known/smart-configuration`)).json()) as {
        issuer: string;
      };
      expect(discovery.issuer).toBe(cli.origin);
      // The built workbench ships in the package: `/` serves it, not the "build it first" page.
      const page = await (await fetch(`${cli.origin}/`)).text();
      expect(page).toContain('<div id="root">');
    } finally {
      await cli.stop();
    }
  });

  describe("README's examples, run with the project's own tools", () => {
    beforeAll(async () => {
      await npm(project, [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        `vitest@${installedVersion('vitest')}`,
        `@playwright/test@${installedVersion('@playwright/test')}`,
        `typescript@${installedVersion('typescript')}`,
        `@types/node@${installedVersion('@types/node')}`,
      ]);
      await mkdir(path.join(project, 'tests', 'unit'), { recursive: true });
      await mkdir(path.join(project, 'tests', 'e2e'), { recursive: true });
      await writeFile(
        path.join(project, 'tests', 'unit', 'sandbox.test.ts'),
        readmeExample('sandbox.test.ts'),
      );
      await writeFile(
        path.join(project, 'tests', 'e2e', 'sandbox.spec.ts'),
        readmeExample('sandbox.spec.ts'),
      );
    }, INSTALL_MS);

    it('type-checks against the types the package exports', async () => {
      await writeFile(
        path.join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            lib: ['ES2022', 'DOM'],
          },
          include: ['tests'],
        }),
      );
      await runIn(project, 'tsc', ['-p', 'tsconfig.json']);
    }, 120_000);

    it('the Vitest example passes', async () => {
      const out = await runIn(project, 'vitest', ['run', 'tests/unit']);
      expect(out).toMatch(/Tests\s+2 passed/);
    }, 120_000);

    it('the Playwright fixture example passes in Chromium', async () => {
      await writeFile(path.join(project, 'playwright.config.ts'), readmeExample('playwright.config.ts'));
      const out = await runIn(project, 'playwright', ['test']);
      expect(out).toMatch(/1 passed/);
    }, 180_000);
  });
});
