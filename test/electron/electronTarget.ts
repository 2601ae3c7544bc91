// What `npm run test:electron` runs against, handed from test/electron/run.ts to the test files
// through Vitest's provide/inject (no environment variable): the built app started with the
// project's Electron, or an installed/unpacked app's executable (first-start scenario only).
export type ElectronTarget =
  | { kind: 'built'; electronPath: string; appDir: string }
  | { kind: 'installed'; executablePath: string };

declare module 'vitest' {
  export interface ProvidedContext {
    electronTarget: ElectronTarget;
  }
}

/** Exit status when no Electron binary is installed: distinct from pass (0) and failure (1). */
export const NO_ELECTRON_EXIT = 77;
