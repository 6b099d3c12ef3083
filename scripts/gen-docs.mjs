// Writes the generated parts of docs/ (the failure-id table, the admin route list, the admin API's
// openapi.json) from the built server code: `npm run docs` compiles first. With --check it writes nothing and
// exits 1 when a file is stale.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { generatedPages } from '../dist/server/reference/generated-docs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');

/** @param {string} markdown @param {string} filepath */
async function format(markdown, filepath) {
  const options = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(markdown, { ...options, filepath });
}

const stale = [];
for (const page of await generatedPages(root, format)) {
  if (page.fresh === page.current) continue;
  stale.push(page.path);
  if (!check) await writeFile(new URL(page.path, new URL('..', import.meta.url)), page.fresh);
}
if (check && stale.length > 0) {
  console.error(`gen-docs: out of date: ${stale.join(', ')}; run npm run docs`);
  process.exitCode = 1;
} else {
  console.log(stale.length === 0 ? 'gen-docs: docs/ is up to date' : `gen-docs: wrote ${stale.join(', ')}`);
}
