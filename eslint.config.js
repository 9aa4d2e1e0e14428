import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.local/', 'coverage/', 'test-results/', 'tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': 'off',
    },
  },
  {
    // The core knows nothing of platforms, the store or the queue.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/adapters/**', '**/store/**', '**/jobs/**', '**/http/**'], message: 'core must not import adapters, store, jobs or http' },
          { group: ['@slack/*', 'botbuilder*', 'botframework-*', 'mongoose', 'bullmq', 'ioredis', 'express'], message: 'core must not import platform SDKs, mongoose or BullMQ' },
        ],
      }],
    },
  },
);
