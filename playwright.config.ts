import { defineConfig, devices } from '@playwright/test';
import { findElectron } from './scripts/electron-bin.mjs';

/**
 * End to end against the real server (`e2e/`): the workbench in Debian's Chromium (`apt-get install
 * chromium`, so no browser download), and the desktop app under Electron where its binary exists.
 */
const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

// The list reporter does not print skip reasons; say once, up front, why the Electron test will skip.
const electronBinary = findElectron();
if (!electronBinary.ok && process.env['TEST_WORKER_INDEX'] === undefined) {
  console.log(`Electron end-to-end test will be skipped: ${electronBinary.reason}.`);
}

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/playwright',
  reporter: [['list']],
  workers: 2,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  projects: [
    {
      name: 'browser',
      testIgnore: /electron\.spec\.ts$/,
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1280, height: 860 },
        launchOptions: {
          executablePath: chromium,
          headless: true,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
    { name: 'electron', testMatch: /electron\.spec\.ts$/ },
  ],
});
