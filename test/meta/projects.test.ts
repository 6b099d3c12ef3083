import { readdir } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createVitest } from 'vitest/node';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every test file under test/, relative to the repository root. */
async function testFiles(): Promise<string[]> {
  const entries = await readdir(`${root}test`, { recursive: true });
  return entries
    .filter((entry) => /\.test\.tsx?$/.test(entry))
    .map((entry) => `test/${entry.replaceAll('\\', '/')}`)
    .sort();
}

/** The projects each test file runs in, as vitest itself resolves vitest.config.ts's lists. */
async function projectsByFile(): Promise<Map<string, string[]>> {
  // Only resolves the projects and globs their files; nothing runs, so the global set-up is not started.
  const vitest = await createVitest('test', { root, watch: false, config: `${root}vitest.config.ts` });
  try {
    const byFile = new Map<string, string[]>();
    for (const project of vitest.projects) {
      const { testFiles: files } = await project.globTestFiles();
      for (const file of files) {
        const path = relative(root, file).replaceAll('\\', '/');
        byFile.set(path, [...(byFile.get(path) ?? []), project.name]);
      }
    }
    return byFile;
  } finally {
    await vitest.close();
  }
}

// A file no project includes never runs and nothing says so; a file two include runs twice, once in the wrong
// set-up (a module mock leaking into the shared unit graph, a black-box start in the in-process suite).
describe('the test projects (vitest.config.ts)', () => {
  it('run every test file under test/ in exactly one project', async () => {
    const [files, byFile] = await Promise.all([testFiles(), projectsByFile()]);
    expect(files.length).toBeGreaterThan(100);
    const wrong = files
      .map((file) => ({ file, projects: byFile.get(file) ?? [] }))
      .filter(({ projects }) => projects.length !== 1);
    expect(wrong, 'each file must be in exactly one project: these are in none or several').toEqual([]);
  });
});
