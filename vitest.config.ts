import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * The unit tests, in-process (`npm run test:unit`): the server through its app factory (`app.inject()`), pure
 * logic, the desktop app's server host, and the workbench's components in happy-dom. They share one module graph
 * per worker (`isolate: false`): they keep no state in modules, so re-importing Fastify, jose, React and the
 * server for every file (most of the suite's time) buys nothing. Every test file the other projects do not take
 * is a unit test, so a file in a new folder runs here rather than nowhere (test/meta/projects.test.ts checks that
 * each file runs in exactly one project).
 */
const UNIT = ['test/**/*.test.ts', 'test/**/*.test.tsx'];
const RENDERER = ['test/renderer/**/*.test.ts', 'test/renderer/**/*.test.tsx'];
/** Files that mock modules (vi.mock) for the whole file: the mock must not reach another file's graph. */
const MOCKS_MODULES = [
  'test/server/secrets.admin-surface.test.ts',
  'test/electron/main.test.ts',
  'test/electron/preload.test.ts',
];
/**
 * The black-box tests: each starts the real command (`bin/token-sandbox.js`) or the built desktop main as its
 * own process and reads what it prints, writes and answers. A start costs a Node process, the bundle and a key,
 * so these take most of a run's CPU per test; `npm test` runs them, `npm run test:blackbox` alone.
 */
const BLACK_BOX = [
  'test/cli/**/*.test.ts',
  'test/electron/quit-on-signal.test.ts',
  'test/electron/built-main.test.ts',
  'test/electron/security-gate.test.ts',
];
/**
 * The system tests: the fault suite (signals, floods and slow sockets against the real command), the 50,000-request
 * soak of the exchange log, and the packed tarball installed into a fresh project. Each measures the machine as
 * much as the code (wall-clock bounds, npm installs), so they run after the others, one file at a time, with
 * the cores to themselves; `npm test` runs them.
 */
const SYSTEM = [
  'test/faults/**/*.test.ts',
  'test/package/**/*.test.ts',
  'test/server/exchange-log.soak.test.ts',
];

// One worker per core. Vitest's default (one fewer than the cores) leaves one worker on a two-core machine:
// measured back to back on an otherwise idle one, the unit tests took 95.6 s with it and 66.5 s with two.
export default defineConfig(({ mode }) => ({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    // A beforeAll that builds servers or formats the docs pages does a test's work: it gets a test's time.
    hookTimeout: 20_000,
    pool: 'forks',
    maxWorkers: availableParallelism(),
    // `npm run test:faults` (`--mode faults`) runs every round of the fault suite (test/faults/fault-rounds.ts).
    env: mode === 'faults' ? { TOKEN_SANDBOX_FAULT_ROUNDS: 'full' } : {},
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          exclude: [...RENDERER, ...MOCKS_MODULES, ...BLACK_BOX, ...SYSTEM],
          isolate: false,
        },
      },
      // Its own project so its files, each in happy-dom, share a graph with each other and not with the server's.
      { extends: true, test: { name: 'renderer', include: RENDERER, isolate: false } },
      { extends: true, test: { name: 'module-mocks', include: MOCKS_MODULES } },
      { extends: true, test: { name: 'black-box', include: BLACK_BOX } },
      {
        extends: true,
        test: { name: 'system', include: SYSTEM, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
}));
