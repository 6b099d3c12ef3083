// What a child the build starts for itself should inherit from npm. `npm start --port 0` leaves
// npm_config_port=true in the environment of everything `npm start` runs, the build included; the command
// rightly refuses to start under it (the flag was meant for it but npm kept it), so the build's own warm-up
// start (scripts/bundle.mjs) must not see npm's configuration, or `npm start --port 0` fails inside the build
// with a stack trace instead of saying `npm start -- --port 0`.

/** `env` without npm's configuration and lifecycle variables (npm_config_*, npm_lifecycle_*). */
export function withoutNpmFlags(env) {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_(config|lifecycle)_/i.test(name)));
}
