import { execFileSync } from 'node:child_process';

/**
 * The black-box tests start `bin/token-sandbox.js`, which runs the bundled server (scripts/bundle.mjs). tsc
 * alone (the typecheck) does not rebuild the bundle, so without this a test run after a change would drive the
 * previous build. Both steps are incremental or take about a second.
 */
export default function buildTheCommand(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.json'], {
    stdio: 'inherit',
  });
  execFileSync(process.execPath, ['scripts/bundle.mjs', 'cli'], { stdio: 'inherit' });
}
