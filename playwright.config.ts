import { defineConfig } from '@playwright/test';
import { findElectron } from './scripts/electron-bin.mjs';

// The list reporter does not print skip reasons; say once, up front, why the Electron test will skip.
const electronBinary = findElectron();
if (!electronBinary.ok && process.env['TEST_WORKER_INDEX'] === undefined) {
  console.log(`Electron end-to-end test will be skipped: ${electronBinary.reason}.`);
}

// The desktop app end to end. Browser projects for the workbench join this list when the workbench exists.
export default defineConfig({
  testDir: 'e2e',
  reporter: 'list',
  timeout: 60_000,
  projects: [{ name: 'electron', testMatch: /electron\.spec\.ts$/ }],
});
