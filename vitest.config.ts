import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test files that share one module graph per worker (`isolate: false`): they build their servers through the
 * app factory and keep no state in modules, so re-importing Fastify, jose and the server for every file (most
 * of the suite's time) buys nothing. Everything else keeps a fresh graph per file: tests that mock modules,
 * swap in a DOM, hook the module loader, or drive processes.
 */
const SHARED = [
  'test/server/**/*.test.ts',
  'test/flow-lab/**/*.test.ts',
  'test/docs/**/*.test.ts',
  // The test API's own tests and the desktop app's server host build servers the same way; stats is plain code.
  'test/test-api/**/*.test.ts',
  'test/electron/server-host.test.ts',
  'test/bench/**/*.test.ts',
];
/** Mock node:crypto for the whole file (vi.mock): the mock must not reach another file's server. */
const MOCKS_MODULES = ['test/server/secrets.admin-surface.test.ts'];
/**
 * The system tests: the fault suite (signals, floods and slow sockets against the real command), the 50,000-request
 * soak of the exchange log, and the packed tarball installed into a fresh project. Each measures the machine as
 * much as the code (wall-clock bounds, npm installs), so they run after the unit projects, one file at a time, with
 * the cores to themselves; `npm test` runs them, `npm run test:unit` does not.
 */
const SYSTEM = [
  'test/faults/**/*.test.ts',
  'test/package/**/*.test.ts',
  'test/server/exchange-log.soak.test.ts',
];

// The unit projects take one worker per core. Vitest's default (one fewer than the cores) leaves one worker on
// a two-core machine: measured back to back on an otherwise idle one, `npm run test:unit` took 95.6 s with it
// and 66.5 s with two. On a machine other work already saturates, a second worker buys nothing and the
// command-line tests that start the command a dozen times in a row can run past their 20 s timeout.
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
          name: 'shared',
          include: SHARED,
          exclude: [...MOCKS_MODULES, ...SYSTEM],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: [...configDefaults.exclude, ...SHARED, ...SYSTEM],
        },
      },
      { extends: true, test: { name: 'module-mocks', include: MOCKS_MODULES } },
      {
        extends: true,
        test: { name: 'system', include: SYSTEM, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
}));
