// Flat ESLint config: TypeScript rules plus the import boundaries of the architecture
// (shared → nothing of ours; renderer → never electron/; only electron/main and electron/preload
// import 'electron').
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_')).map((name) => name.replace(/[/]/g, '\\/'));
const NODE_BUILTIN = `^(node:.*|(${nodeBuiltins.join('|')})(\\/.*)?)$`;
const OUR_ELECTRON = '(^|\\/)electron(\\/|$)'; // the 'electron' package or our electron/ folder
const OUR_RENDERER = '(^|\\/)renderer(\\/|$)';

const restrict = (...patterns) => ['error', { patterns }];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-artifacts/**', 'coverage/**', '.vite/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx,js,jsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrict(
        { regex: OUR_ELECTRON, message: 'The renderer talks to the services only through window.rtcw (shared/api).' },
        { regex: NODE_BUILTIN, message: 'The renderer runs in a sandboxed browser page: no Node built-ins.' },
      ),
    },
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: {
      'no-restricted-imports': restrict(
        { regex: OUR_ELECTRON, message: 'shared/ imports nothing from electron/ (nor Electron).' },
        { regex: OUR_RENDERER, message: 'shared/ imports nothing from renderer/.' },
        { regex: NODE_BUILTIN, message: 'shared/ runs in the renderer too: no Node built-ins.' },
      ),
    },
  },
  {
    // Everything in electron/ except main/ and preload/: plain Node, testable without Electron.
    files: ['electron/**/*.{ts,mjs,js}'],
    ignores: ['electron/main/**', 'electron/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: "Only electron/main and electron/preload import 'electron'." }],
          patterns: [{ regex: OUR_RENDERER, message: 'electron/ never imports the renderer.' }],
        },
      ],
    },
  },
  {
    files: ['electron/main/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({ regex: OUR_RENDERER, message: 'electron/ never imports the renderer.' }),
    },
  },
  {
    // The preload is sandboxed: only 'electron' and the shared contract, never the services.
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        { regex: '(^|\\/)(services|main|harness|cli)(\\/|$)', message: 'The preload only bridges shared/api to IPC.' },
        { regex: OUR_RENDERER, message: 'electron/ never imports the renderer.' },
        { regex: NODE_BUILTIN, message: 'Sandboxed preloads cannot load Node built-ins.' },
      ),
    },
  },
  {
    // Tests may stub 'electron' with vi.mock, but never import it for real.
    files: ['test/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', allowTypeImports: true, message: "Tests stub 'electron' with vi.mock." }] },
      ],
    },
  },
);
