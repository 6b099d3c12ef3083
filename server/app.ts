import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Sandbox, type SandboxOptions } from './sandbox.js';
import { authorizeRoutes } from './routes/authorize.js';
import { discoveryRoutes } from './routes/discovery.js';
import { jwksRoutes } from './routes/jwks.js';
import { introspectRevokeRoutes } from './routes/introspect-revoke.js';
import { tokenRoutes } from './routes/token.js';
import { userinfoRoutes } from './routes/userinfo.js';
import { callbackRoutes } from './routes/callback.js';
import { rewriteProfilePath } from './routes/profile-paths.js';
import { registerCors } from './routes/cors.js';
import { notFoundHandler } from './routes/not-found.js';
import { fhirRoutes } from './fhir/routes.js';
import { findWorkbenchDir, workbenchRoutes } from './routes/workbench.js';
import { ehrPageRoutes } from './routes/ehr-page.js';
import { ADMIN_PREFIX, adminApi } from './admin/plugin.js';
import { recordExchanges } from './exchanges/record-hooks.js';
import { boundShutdown, connectionLimitOptions } from './limits.js';
import type { TlsMaterial } from './https/certificates.js';

export interface BuildOptions extends SandboxOptions {
  readonly logger?: FastifyServerOptions['logger'];
  /** The built workbench UI to serve at `/`; found beside the server when absent, `false` for none. */
  readonly workbenchDir?: string | false;
  /** Serve https with this certificate and key (server/https/certificates.ts); plain http when absent. */
  readonly https?: TlsMaterial;
}

const PRUNE_INTERVAL_MS = 30_000;

declare module 'fastify' {
  interface FastifyInstance {
    readonly sandbox: Sandbox;
  }
}

/**
 * Builds the sandbox server: a Fastify instance that is ready to `inject()` or `listen()`. It never listens
 * by itself and imports nothing from Electron, so the CLI, the desktop app and tests each own that edge.
 */
export async function buildServer(options: BuildOptions = {}): Promise<FastifyInstance> {
  const sandbox = await Sandbox.create(options);
  const app = Fastify({
    logger: options.logger ?? false,
    // Large enough for a token request, small enough that a stray upload is refused early.
    bodyLimit: 1024 * 1024,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // The active profile decides where the token and authorization endpoints answer (profile-paths.ts).
    rewriteUrl: (req) => rewriteProfilePath(sandbox.profile, req.url ?? '/'),
    // Request, header and keep-alive timeouts and a connection cap (README "Limits").
    // With `https`, the same server speaks TLS (server/https/certificates.ts).
    ...connectionLimitOptions(options.https),
  });
  boundShutdown(app);
  app.decorate('sandbox', sandbox);
  // Before any route, so every route inherits the hooks.
  recordExchanges(app, sandbox);

  // Before the routes, so every plugin without its own 404 answers with the profile's paths.
  app.setNotFoundHandler(notFoundHandler(sandbox));
  await registerCors(app, sandbox);
  await app.register(discoveryRoutes(sandbox));
  await app.register(jwksRoutes(sandbox));
  await app.register(authorizeRoutes(sandbox));
  await app.register(tokenRoutes(sandbox));
  await app.register(introspectRevokeRoutes(sandbox));
  await app.register(userinfoRoutes(sandbox));
  const workbenchDir = options.workbenchDir ?? findWorkbenchDir();
  await app.register(workbenchRoutes(sandbox, workbenchDir === false ? undefined : workbenchDir));
  await app.register(ehrPageRoutes(sandbox));
  await app.register(callbackRoutes(sandbox));
  await app.register(fhirRoutes(sandbox), { prefix: '/fhir' });
  await app.register(adminApi(sandbox), { prefix: ADMIN_PREFIX });

  // Hung requests, injected delays and event streams are let go first, so close() never waits on them.
  app.addHook('preClose', async () => {
    sandbox.close();
  });

  const timer = setInterval(() => {
    sandbox.prune();
  }, PRUNE_INTERVAL_MS);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    // SIGTERM/SIGINT: whatever changed last is on disk before the process exits.
    await sandbox.persist();
    await sandbox.stopSigningWorkers();
  });
  return app;
}
