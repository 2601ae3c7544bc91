// The architecture's import boundaries are enforced by eslint.config.js (no-restricted-imports).
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: process.cwd() });
});

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('shared/ imports nothing of ours and no Node built-ins', async () => {
    expect(await restrictedImports('shared/stats/x.ts', "import { a } from '../../electron/services/db/studyFile';\nexport const b = a;\n")).toHaveLength(1);
    expect(await restrictedImports('shared/stats/x.ts', "import { a } from '../../renderer/src/rtcw';\nexport const b = a;\n")).toHaveLength(1);
    expect(await restrictedImports('shared/stats/x.ts', "import fs from 'node:fs';\nexport const b = fs;\n")).toHaveLength(1);
    expect(await restrictedImports('shared/stats/x.ts', "import path from 'path';\nexport const b = path;\n")).toHaveLength(1);
    expect(await restrictedImports('shared/stats/x.ts', "import { app } from 'electron';\nexport const b = app;\n")).toHaveLength(1);
    expect(await restrictedImports('shared/stats/x.ts', "import { z } from 'zod';\nimport { c } from '../api/contract';\nexport const b = [z, c];\n")).toEqual([]);
  });

  it('renderer/ never imports electron/ or Electron', async () => {
    expect(await restrictedImports('renderer/src/x.tsx', "import { a } from '../../electron/services/api/index';\nexport const b = a;\n")).toHaveLength(1);
    expect(await restrictedImports('renderer/src/x.tsx', "import { ipcRenderer } from 'electron';\nexport const b = ipcRenderer;\n")).toHaveLength(1);
    expect(await restrictedImports('renderer/src/x.tsx', "import { api } from '../../shared/api/index';\nexport const b = api;\n")).toEqual([]);
  });

  it("only electron/main and electron/preload import 'electron'", async () => {
    const code = "import { app } from 'electron';\nexport const b = app;\n";
    expect(await restrictedImports('electron/services/db/x.ts', code)).toHaveLength(1);
    expect(await restrictedImports('electron/cli/x.ts', code)).toHaveLength(1);
    expect(await restrictedImports('electron/harness/x.ts', code)).toHaveLength(1);
    expect(await restrictedImports('electron/main/x.ts', code)).toEqual([]);
    expect(await restrictedImports('electron/preload/x.ts', code)).toEqual([]);
  });

  it('the preload bridges shared/api only', async () => {
    expect(await restrictedImports('electron/preload/x.ts', "import { a } from '../services/api/index';\nexport const b = a;\n")).toHaveLength(1);
  });
});
