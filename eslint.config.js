// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      'renderer/dist/**',
      'bench/results.json',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [...tseslint.configs.strictTypeChecked, ...tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.test.json', './renderer/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Fastify plugins and handlers are async functions by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    // The renderer runs in a browser (and the desktop window): it talks to the server over HTTP only, so it
    // may borrow the server's types but never its runtime code.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx', 'test/renderer/**/*.ts', 'test/renderer/**/*.tsx'],
    extends: [reactHooks.configs.flat['recommended-latest']],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // logged-paths is pure (no imports): the Flow Lab shares the server's rule for what is logged.
              // (Gitignore semantics: its folder is re-included first, then everything in it but that file.)
              group: [
                '**/server/**',
                '!**/server/exchanges/',
                '**/server/exchanges/*',
                '!**/server/exchanges/logged-paths.js',
                // artefact-events is pure too: the Codes & tokens view reloads on the events the data folder saves on.
                '!**/server/artefact-events.js',
                // paths is pure too: the admin prefix and the loopback names, spelled once for both sides.
                '!**/server/paths.js',
                // config/bounds is pure too: the forms refuse exactly what the config schema would.
                '!**/server/config/',
                '**/server/config/*',
                '!**/server/config/bounds.js',
                'node:*',
                'fastify',
                'fastify/*',
                '@fastify/*',
              ],
              message: 'the renderer may import server types only (import type …)',
              allowTypeImports: true,
            },
          ],
        },
      ],
      // React DOM event handlers may return promises; the handler owns the error display.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    // Routes sit on top: they use the server's modules, and no module reaches back into them.
    // The app factory (server/app.ts) is the one place that assembles the route plugins.
    files: ['server/*/**/*.ts'],
    ignores: ['server/routes/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../routes/*', '../../routes/*', '../../../routes/*'],
              message:
                'no folder imports back from server/routes/: move what both need beside its owner (oauth/, fhir/, …)',
            },
          ],
        },
      ],
    },
  },
  {
    // Sandbox is built from restored parts and writes through the StateKeeper it is given (issue 14):
    // reading and writing the data folder is persistence/'s job, so Sandbox imports neither it nor the file system.
    files: ['server/sandbox.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./persistence/*', 'node:fs', 'node:fs/*', 'node:path'],
              message: 'Sandbox knows nothing of files: restore and keep state in server/persistence/',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        Buffer: 'readonly',
      },
    },
  },
);
