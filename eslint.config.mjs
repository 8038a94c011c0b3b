// Lint: typescript-eslint's recommended rules, React hooks rules for the renderer, and the layer rule
// (app/ imports neither main/ nor renderer/ nor Node; renderer/ never imports main/; main/ never imports renderer/).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layer = (message, group) => ({ 'no-restricted-imports': ['error', { patterns: [{ group, message }] }] });

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
    ignores: ['app/**/*.test.ts'],
    rules: layer('app/ is pure: it imports neither main/, renderer/ nor Node', ['**/main/**', '**/renderer/**', 'node:*', 'electron']),
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
    files: ['main/**/*.ts'],
    rules: layer('main/ never imports the renderer', ['**/renderer/**']),
  },
  {
    // Tests read loosely typed JSON from the CLI and the lab.
    files: ['**/*.test.ts', 'test/**/*.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
