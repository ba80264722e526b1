import tseslint from 'typescript-eslint';
import layers from './scripts/eslint/layers-rule.js';

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'data/**', 'test-artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { quantdesk: { rules: { layers } } },
    rules: {
      'quantdesk/layers': ['error', { root: import.meta.dirname }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
);
