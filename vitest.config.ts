import { defineConfig } from 'vitest/config';

export default defineConfig(({ mode }) => ({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    // `npm run test:faults` (`--mode faults`) runs every round of the fault suite (test/faults/fault-rounds.ts).
    env: mode === 'faults' ? { TOKEN_SANDBOX_FAULT_ROUNDS: 'full' } : {},
  },
}));
