import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Tests read JSON responses loosely on purpose; production code may not.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The pure core: no Azure, no botbuilder, no environment, no clock, no I/O.
    files: ['shared/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@azure/*', 'botbuilder*', 'node:*', 'fs', 'http', 'https', 'better-sqlite3', '../adapters/*', '../host/*'] }],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'fetch'],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Time comes from the Clock port.' }, { object: 'Math', property: 'random', message: 'Randomness comes from a port.' }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time comes from the Clock port.' }],
    },
  },
);
