import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Keeps imports between the folders of src/ pointing one way: `files` may not import what `regex` matches. */
const refuseImports = (files, regex, message) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] },
});

export default tseslint.config(
  {
    ignores: ['dist/', 'coverage/', 'node_modules/', 'src/api/generated/', 'charts/', 'benchmarks/results/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
      // Fakes and adapters implement async interfaces without awaiting anything; an `async` that
      // returns a value is the clearest way to write them.
      '@typescript-eslint/require-await': 'off',
    },
  },
  refuseImports(
    ['src/actors/**'],
    String.raw`^(?!xstate$|\./|\.\./(api|util)/)`,
    'The machine is pure: src/actors imports only xstate, src/api, src/util and its own folder.',
  ),
  refuseImports(
    ['src/k8s/**'],
    String.raw`^\.\./(actors|cluster|supervisor|sim|config|orchestrator|main)(/|\.js$)`,
    'src/k8s is generic Kubernetes plumbing: it imports neither the orchestrator (actors, cluster, supervisor, sim) nor its configuration.',
  ),
  refuseImports(
    ['src/util/**'],
    String.raw`^\.\./`,
    'src/util has no domain in it: it imports nothing from src outside src/util.',
  ),
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
