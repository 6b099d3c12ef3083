import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { hostGuard } from '../admin/guard.js';
import type { Sandbox } from '../sandbox.js';
import { homeRoutes } from './home.js';

/**
 * The workbench page's policy: scripts, styles and connections to this origin only, no framing, no inline
 * code (the built index.html has none), so a string an attacker planted in the exchange log can never run
 * (docs/endpoints.md#sandbox-pages).
 */
export const WORKBENCH_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const WORKBENCH_HEADERS = {
  'Content-Security-Policy': WORKBENCH_CSP,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  // The first request carries the admin token in its query: never let it leave in a Referer.
  'Referrer-Policy': 'no-referrer',
} as const;

/**
 * Where the built renderer lives: `dist/renderer` beside the compiled server (`dist/server/routes/…`, or
 * `dist/server/` for the bundled command), or under the repository's `dist/` when the server runs from source
 * (tests). Undefined when it is not built.
 */
export function findWorkbenchDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve(here, '../renderer'),
    path.resolve(here, '../../renderer'),
    path.resolve(here, '../../dist/renderer'),
  ];
  // Vite builds into dist/renderer; renderer/ itself holds the sources, whose index.html must never be served.
  return candidates.find(
    (dir) => path.basename(path.dirname(dir)) === 'dist' && existsSync(path.join(dir, 'index.html')),
  );
}

/**
 * Serves the workbench UI at `/` when it is built, and otherwise the plain endpoints page with a note on how
 * to build it. The UI holds no secret itself: it reads the admin token from the URL it was opened with.
 */
export function workbenchRoutes(sandbox: Sandbox, dir: string | undefined) {
  return async (app: FastifyInstance): Promise<void> => {
    // The page is the door to the admin token: a foreign Host (DNS rebinding) is refused before anything.
    app.addHook('onRequest', hostGuard(sandbox));
    if (dir === undefined) {
      await app.register(homeRoutes(sandbox, 'The workbench UI is not built yet: run npm run build.'));
      return;
    }
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      index: 'index.html',
      // One route per built file, so unknown paths keep the server's own 404 and nothing outside `dir` is reachable.
      wildcard: false,
      serveDotFiles: false,
      setHeaders: (reply, filePath) => {
        for (const [name, value] of Object.entries(WORKBENCH_HEADERS)) void reply.header(name, value);
        // Built assets carry a content hash in their name; the page itself must always be fresh.
        const hashed = filePath.includes(`${path.sep}assets${path.sep}`);
        void reply.header('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    // A rebuild while the server runs (`npm test` or `npm run build` beside `npm start`) writes an index.html
    // that names new hashed assets, for which the routes above, made at start-up, have none: without this the
    // reloaded page is blank. Plain file names in assets/ only; anything else keeps the server's 404.
    app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
      const { file } = request.params;
      if (/^[\w-][\w.-]*$/.test(file) && existsSync(path.join(dir, 'assets', file))) {
        return reply.sendFile(path.join('assets', file));
      }
      reply.callNotFound();
      return reply;
    });
  };
}
