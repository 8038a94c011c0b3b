// Lint: typescript-eslint's recommended rules, React hooks rules for the renderer, and the layer rule
// (app/ imports neither main/ nor renderer/ nor Node; renderer/ never imports main/; main/ never imports renderer/).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layer = (message, group, ...more) => ({ 'no-restricted-imports': ['error', { patterns: [{ group, message }, ...more] }] });
// Product code never reaches into test/ (test helpers live in test/support/ and are never bundled).
const noTestHelpers = { group: ['**/test/**'], message: 'product code never imports test helpers (test/support/)' };
const TESTS = ['**/*.test.ts', '**/*.test.tsx'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.ferry/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['app/**/*.ts'],
    ignores: TESTS,
    rules: layer('app/ is pure: it imports neither main/, renderer/ nor Node', ['**/main/**', '**/renderer/**', 'node:*', 'electron'], noTestHelpers),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The two classic hooks rules; the React Compiler's stricter ones (refs, set-state-in-effect) are not adopted.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      ...layer('the renderer talks to main only through the contract (app/contract)', ['**/main/**', 'node:*', 'electron']),
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: TESTS,
    rules: layer('the renderer talks to main only through the contract (app/contract)', ['**/main/**', 'node:*', 'electron'], noTestHelpers),
  },
  {
    files: ['main/**/*.ts'],
    rules: layer('main/ never imports the renderer', ['**/renderer/**']),
  },
  {
    files: ['main/**/*.ts'],
    ignores: TESTS,
    rules: layer('main/ never imports the renderer', ['**/renderer/**'], noTestHelpers),
  },
  {
    // Tests read loosely typed JSON from the CLI and the lab.
    files: ['**/*.test.ts', 'test/**/*.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
