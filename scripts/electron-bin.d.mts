export type ElectronLookup =
  | { readonly ok: true; readonly dir: string; readonly bin: string }
  | { readonly ok: false; readonly dir?: string; readonly reason: string };

/** Where the Electron binary is, or why there is none; `where` overrides the lookup's inputs for tests. */
export function findElectron(where?: {
  dir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}): ElectronLookup;
