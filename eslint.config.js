import tseslint from 'typescript-eslint';
import layers from './scripts/eslint/layers-rule.js';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'data/**', 'test-artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    // Import cycles anywhere in the sources: a module and what it imports form a tree.
    files: ['core/**/*.ts', 'renderer/**/*.{ts,tsx}', 'electron/**/*.ts', 'workers/**/*.ts', 'scripts/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    // A module has one job: a source file of the core that outgrows 500 lines is split by what it does.
    files: ['core/**/*.ts'],
    ignores: ['core/**/*.test.ts', 'core/**/*.e2e.ts'],
    rules: { 'max-lines': ['error', { max: 500 }] },
  },
  {
    plugins: { quantdesk: { rules: { layers } } },
    rules: {
      'quantdesk/layers': ['error', { root: import.meta.dirname }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
);
