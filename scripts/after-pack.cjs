// electron-builder `afterPack` hook: flips Electron's fuses in the packaged binary before it is signed, so a
// shipped app cannot be turned into a plain Node runtime or debugged through environment variables and flags
// (Electron docs/tutorial/fuses.md; security checklist §19). CommonJS because electron-builder require()s it.
'use strict';
const { FuseV1Options, FuseVersion } = require('@electron/fuses');

/** The fuse settings, by name; scripts/check-packaging.mjs reads them back from the packaged binary. */
const FUSES = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  GrantFileProtocolExtraPrivileges: false,
};

function fuseConfig(context) {
  const config = {
    version: FuseVersion.V1,
    // Flipping fuses invalidates the ad-hoc signature that arm64 macOS binaries need to launch at all.
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && context.arch === 3, // Arch.arm64
  };
  for (const [name, value] of Object.entries(FUSES)) config[FuseV1Options[name]] = value;
  return config;
}

async function afterPack(context) {
  await context.packager.addElectronFuses(context, fuseConfig(context));
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.FUSES = FUSES;
