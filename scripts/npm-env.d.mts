/** `env` without npm's configuration and lifecycle variables (npm_config_*, npm_lifecycle_*). */
export function withoutNpmFlags(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
