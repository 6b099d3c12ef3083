// Pure code, no imports: the workbench's Flow Lab imports this module too, so the two sides share one
// idea of what the exchange log records (eslint.config.js lists the server modules the renderer may import).

/**
 * A request path as a router might understand it, for deciding what must stay out of the log: percent-escapes
 * decoded (repeatedly, so `%255F` counts too), backslashes as slashes, repeated slashes and dot segments
 * collapsed, `;` parameters dropped, lower case. Deliberately looser than Fastify's own routing, so any
 * spelling that might reach the admin API is treated as admin.
 */
export function canonicalPath(path: string): string {
  let decoded = path;
  for (let i = 0; i < 4; i += 1) {
    const next = decoded.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
    if (next === decoded) break;
    decoded = next;
  }
  const segments: string[] = [];
  for (const segment of decoded.replaceAll('\\', '/').split('/')) {
    const name = (segment.split(';')[0] ?? '').trim().toLowerCase();
    if (name === '' || name === '.') continue;
    if (name === '..') segments.pop();
    else segments.push(name);
  }
  return `/${segments.join('/')}`;
}

/**
 * Whether a request's path belongs in the exchange log: everything sent to the sandbox (OAuth endpoints,
 * discovery, the FHIR base, unknown paths) except the workbench's own page and assets and every path under
 * `/_sandbox/` (the admin API, the EHR page, the callback page). `/_sandbox` is recognised however its path is
 * spelled (`/%5Fsandbox/api`, `//_sandbox/api`, `/x/../_sandbox`): the admin API's answers carry the config
 * export and its requests the admin token. A request that carries the admin token is left out at any path
 * (record-hooks.ts). The rule as users read it: docs/endpoints.md "What the exchange log records".
 */
export function isLoggedPath(path: string): boolean {
  const canonical = canonicalPath(path);
  return !(
    path === '/' ||
    path === '/index.html' ||
    path === '/favicon.ico' ||
    path.startsWith('/assets/') ||
    canonical === '/_sandbox' ||
    canonical.startsWith('/_sandbox/')
  );
}
