import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'drizzle/', 'test-results/', 'coverage/', 'web/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Use the injected Clock instead of Date.now() (see STYLE.md habit 4).',
        },
      ],
    },
  },
  {
    // Plain Node scripts (the CLI launcher, the bench runner).
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', module: 'writable', require: 'readonly' },
    },
  },
  {
    // Outside core/flows reading the wall clock is allowed (composition root, jobs runtime, CLI, tests, bench).
    files: [
      'src/cli/**',
      'src/main.ts',
      'src/clock.ts',
      'src/http/**',
      'src/storage/**',
      'test/**',
      'bench/**',
      'bin/**',
      'adapters/**',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
