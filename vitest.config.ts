import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test files that share one module graph per worker (`isolate: false`): they build their servers through the
 * app factory and keep no state in modules, so re-importing Fastify, jose and the server for every file (most
 * of the suite's time) buys nothing. Everything else keeps a fresh graph per file: tests that mock modules,
 * swap in a DOM, hook the module loader, or drive processes.
 */
const SHARED = ['test/server/**/*.test.ts', 'test/flow-lab/**/*.test.ts', 'test/docs/**/*.test.ts'];
/** Mock node:crypto for the whole file (vi.mock): the mock must not reach another file's server. */
const MOCKS_MODULES = ['test/server/secrets.admin-surface.test.ts'];

export default defineConfig(({ mode }) => ({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    // `npm run test:faults` (`--mode faults`) runs every round of the fault suite (test/faults/fault-rounds.ts).
    env: mode === 'faults' ? { TOKEN_SANDBOX_FAULT_ROUNDS: 'full' } : {},
    projects: [
      { extends: true, test: { name: 'shared', include: SHARED, exclude: MOCKS_MODULES, isolate: false } },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: [...configDefaults.exclude, ...SHARED],
        },
      },
      { extends: true, test: { name: 'module-mocks', include: MOCKS_MODULES } },
    ],
  },
}));
