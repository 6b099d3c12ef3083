import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_IDS } from '../../server/failures/ids.js';
import {
  fillRegions,
  generatedPages,
  RegionError,
  type GeneratedPage,
} from '../../server/reference/generated-docs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function format(markdown: string, filepath: string): Promise<string> {
  const options = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(markdown, { ...options, filepath });
}

describe('the generated parts of docs/ (docs/README.md#generated-sections)', () => {
  // Generating builds a server and formats each page with Prettier (seconds); both tests read the same pages.
  let pages: GeneratedPage[];
  beforeAll(async () => {
    pages = await generatedPages(root, format);
  });

  it('match the failure catalog and the registered admin routes; run npm run docs when they do not', () => {
    for (const page of pages) {
      expect(page.current, `${page.path} is out of date: run npm run docs`).toBe(page.fresh);
    }
  });

  it('list every failure id and every admin route a test pipeline scripts against', () => {
    const [failures, admin] = pages;
    // The admin API's OpenAPI document is generated too, so it cannot fall behind the routes.
    expect(pages.map((page) => page.path)).toContain('docs/openapi.json');
    for (const id of FAILURE_IDS) expect(failures?.fresh).toContain(`| \`${id}\``);
    for (const route of [
      'GET /clients',
      'POST /grants/:id/revoke',
      'POST /launches',
      'DELETE /failures/:id',
    ]) {
      expect(admin?.fresh).toContain(`\`${route}\``);
    }
  });

  it("give every failure id its own row in README's table, so a new id cannot be left out of it", () => {
    const readme = pages.find((page) => page.path === 'README.md');
    for (const id of FAILURE_IDS) expect(readme?.current).toContain(`| \`${id}\``);
  });

  it('refuses a page whose markers are missing, rather than leaving stale text', () => {
    expect(() => fillRegions('# no markers\n', ['failures'], { failures: 'x' })).toThrow(RegionError);
    expect(fillRegions('a\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nb\n', ['x'], { x: 'new' })).toBe(
      'a\n<!-- generated:x -->\n\nnew\n\n<!-- /generated:x -->\nb\n',
    );
  });
});
