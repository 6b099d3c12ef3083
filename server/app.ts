import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Sandbox } from './sandbox.js';
import { restoreSandbox, type RestoreOptions } from './persistence/restore-and-keep.js';
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
import { ADMIN_PREFIX, ADMIN_ROUTES, adminApi } from './admin/plugin.js';
import { homeRoutes } from './routes/home.js';
import { Issuers, issuerDataDir, issuerPath } from './issuers/registry.js';
import { forwardedToIssuer, insideIssuer, issuerForwarding, rootAdminRoutes } from './issuers/forward.js';
import { recordExchanges } from './exchanges/record-hooks.js';
import { boundShutdown, connectionLimitOptions } from './limits.js';
import type { StoredKeys } from './keys/key-ring.js';
import type { TlsMaterial } from './https/certificates.js';

export interface BuildOptions extends RestoreOptions {
  readonly logger?: FastifyServerOptions['logger'];
  /** The built workbench UI to serve at `/`; found beside the server when absent, `false` for none. */
  readonly workbenchDir?: string | false;
  /** Serve https with this certificate and key (server/https/certificates.ts); plain http when absent. */
  readonly https?: TlsMaterial;
  /**
   * Starting keys for the issuers beside the default one, handed out in the order they are built: the first
   * issuer takes the first entry, and one past the list makes its own. Like `signingKeys`, they let a suite that
   * starts many sandboxes skip generating RSA keys; every entry must hold keys no other entry (and not
   * `signingKeys`) holds, or a token of one issuer would verify against another's JWKS.
   */
  readonly issuerSigningKeys?: readonly StoredKeys[];
}

const PRUNE_INTERVAL_MS = 30_000;

declare module 'fastify' {
  interface FastifyInstance {
    readonly sandbox: Sandbox;
    /** The sandbox's issuers (README "Many issuers"); on the default issuer's app only. */
    readonly issuers: Issuers | undefined;
  }
}

/**
 * The root's build options an issuer is built from too, so a new build option reaches issuers unless it is
 * named here. Left out: the root's own early key and https listener (issuers are served through the root's),
 * its origin (issuers follow it through originOf), its signing workers, which every issuer would otherwise
 * multiply into a pool of its own, and its starting signing keys: those are for many sandboxes to share
 * (startSandbox), while each issuer of one signs with its own, or a token of one verifies against another's JWKS.
 */
function issuerSharedOptions(options: BuildOptions): BuildOptions {
  const shared: { -readonly [K in keyof BuildOptions]: BuildOptions[K] } = { ...options };
  delete shared.earlyRs256Key;
  delete shared.https;
  delete shared.origin;
  delete shared.signingWorkers;
  delete shared.signingKeys;
  delete shared.issuerSigningKeys;
  return shared;
}

/**
 * Builds the sandbox server: a Fastify instance that is ready to `inject()` or `listen()`. It never listens
 * by itself and imports nothing from Electron, so the CLI, the desktop app and tests each own that edge.
 */
export async function buildServer(options: BuildOptions = {}): Promise<FastifyInstance> {
  const sandbox = await restoreSandbox(options);
  const prefix = options.issuerPath;
  const app = Fastify({
    logger: options.logger ?? false,
    // Large enough for a token request, small enough that a stray upload is refused early.
    bodyLimit: 1024 * 1024,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // The active profile decides where the token and authorization endpoints answer (profile-paths.ts).
    // An issuer under `/i/NAME` first takes its prefix off (issuers/forward.ts), so inside its app every path,
    // `originalUrl` included, is what the default issuer would see.
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      const inner = prefix === undefined ? undefined : insideIssuer(prefix, url);
      if (inner !== undefined) Object.assign(req, { originalUrl: inner });
      return rewriteProfilePath(sandbox.profile, inner ?? url);
    },
    // Request, header and keep-alive timeouts and a connection cap (README "Limits").
    // With `https`, the same server speaks TLS (server/https/certificates.ts).
    ...connectionLimitOptions(options.https),
  });
  boundShutdown(app);
  app.decorate('sandbox', sandbox);
  // The default issuer's app serves the others under `/i/NAME` (README "Many issuers"), each its own app.
  const shared = issuerSharedOptions(options);
  const issuerKeys = [...(options.issuerSigningKeys ?? [])];
  const issuers =
    prefix === undefined
      ? new Issuers(sandbox, (name, config, restored) => {
          const signingKeys = issuerKeys.shift();
          return buildServer({
            ...shared,
            ...(signingKeys === undefined ? {} : { signingKeys }),
            config,
            storedConfigWins: restored,
            issuerPath: issuerPath(name),
            issuerName: name,
            originOf: () => sandbox.origin,
            adminToken: sandbox.adminToken,
            clock: sandbox.clock,
            workbenchDir: false,
            ...(sandbox.dataDir === undefined ? {} : { dataDir: issuerDataDir(sandbox.dataDir, name) }),
          });
        })
      : undefined;
  app.decorate('issuers', issuers);
  // Before any route, so every route inherits the hooks.
  recordExchanges(app, sandbox, issuers === undefined ? undefined : forwardedToIssuer(issuers));

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
  if (prefix === undefined) {
    await app.register(workbenchRoutes(sandbox, workbenchDir === false ? undefined : workbenchDir));
  } else {
    // One workbench for the whole sandbox, at `/`; an issuer's own front page lists its endpoints.
    await app.register(
      homeRoutes(sandbox, `Issuer ${sandbox.issuerName} of this sandbox; the workbench is at the root path.`),
    );
  }
  await app.register(ehrPageRoutes(sandbox));
  await app.register(callbackRoutes(sandbox));
  await app.register(fhirRoutes(sandbox), { prefix: '/fhir' });
  await app.register(
    adminApi(sandbox, issuers === undefined ? ADMIN_ROUTES : rootAdminRoutes(issuers, () => app)),
    { prefix: ADMIN_PREFIX },
  );
  if (issuers !== undefined) await app.register(issuerForwarding(sandbox, issuers));

  // Hung requests, injected delays and event streams are let go first, so close() never waits on them.
  app.addHook('preClose', async () => {
    sandbox.close();
    // Each issuer's app closes as the root's would: its waits end, its state is persisted, its workers stop.
    await issuers?.closeAll();
  });

  const timer = setInterval(() => {
    sandbox.prune();
  }, PRUNE_INTERVAL_MS);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    // SIGTERM/SIGINT/SIGHUP: whatever changed last is on disk before the process exits.
    await sandbox.persist();
    await sandbox.stopSigningWorkers();
  });
  if (issuers !== undefined) {
    try {
      // Issuers the config or --issuer names are given; the rest come back from the data folder's state.
      const given = new Set((options.config?.issuers ?? []).map((i) => i.name));
      await issuers.start(sandbox.config, given);
    } catch (err) {
      await app.close();
      throw err;
    }
  }
  return app;
}
