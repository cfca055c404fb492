// Lint rules of Stator: typescript-eslint with type information, so that a promise nobody awaits,
// or a promise passed where a callback's result is ignored, is an error rather than a silent bug.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'var/**',
      'visualizations/**',
      'test/docs/.run/**',
      'test/rules/.fixtures/**',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // The compiler already reports unused names (noUnusedLocals, noUnusedParameters).
      '@typescript-eslint/no-unused-vars': 'off',
      // prom-client calls `collect()` with `this` bound to the metric: `self` names the owner there.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      'no-control-regex': 'error',
    },
  },
  {
    // One concept per file, one step per function (docs/style.md): files at most 400 lines, functions
    // at most 60, blank lines and comments not counted in functions.
    files: ['src/**/*.ts', 'machines/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
);
