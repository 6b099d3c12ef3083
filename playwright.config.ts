import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests of the workbench in a real browser against the real server (`e2e/`). The browser is
 * Debian's Chromium (`apt-get install chromium`), so no browser download is needed. A second project (the
 * desktop window under Electron) can be added beside `browser`.
 */
const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

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
  ],
});
