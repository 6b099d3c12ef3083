/**
 * How many rounds the fault suite runs. `npm run test:faults` runs them all (it sets
 * TOKEN_SANDBOX_FAULT_ROUNDS); the default `vitest run` keeps a few, so a plain test run stays quick.
 */
export function faultRounds(quick: number, full: number): number {
  return process.env['TOKEN_SANDBOX_FAULT_ROUNDS'] === 'full' ? full : quick;
}
