// The native menu, as a template built from plain data so tests can inspect it.
import type { MenuItemConstructorOptions } from 'electron';
import type { RecentStudy } from '../../shared/api/study';

export interface MenuActions {
  newStudy(): void;
  openStudy(): void;
  openRecent(path: string): void;
  openDemoStudy(): void;
  /** File → Share a De-identified Copy… (identity/studyShare.ts). */
  shareCopy(): void;
  /** File → Re-identification List… (identity/reidList.ts). */
  reidList(): void;
  /** Study key (electron/services/identity/studyKey.ts): move a study to another workstation of the site. */
  exportStudyKey(): void;
  importStudyKey(): void;
  about(): void;
}

export function menuTemplate(
  actions: MenuActions,
  recent: readonly RecentStudy[],
  platform: NodeJS.Platform,
  study: { open: boolean; sharedCopy: boolean } = { open: false, sharedCopy: false },
): MenuItemConstructorOptions[] {
  const recentItems: MenuItemConstructorOptions[] =
    recent.length === 0
      ? [{ label: 'No recent studies', enabled: false }]
      : recent.map((study) => ({
          label: study.fileName,
          sublabel: study.path,
          enabled: study.exists,
          click: () => actions.openRecent(study.path),
        }));
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'New Study…', accelerator: 'CmdOrCtrl+N', click: () => actions.newStudy() },
      { label: 'Open Study…', accelerator: 'CmdOrCtrl+O', click: () => actions.openStudy() },
      { label: 'Open Recent', submenu: recentItems },
      { label: 'Open Demo Study', click: () => actions.openDemoStudy() },
      { type: 'separator' },
      { label: 'Export Study Key…', click: () => actions.exportStudyKey() },
      { label: 'Import Study Key…', click: () => actions.importStudyKey() },
      { label: 'Share a De-identified Copy…', enabled: study.open, click: () => actions.shareCopy() },
      // A shared copy has no key and no hospital IDs to list.
      { label: 'Re-identification List…', enabled: study.open && !study.sharedCopy, click: () => actions.reidList() },
      { type: 'separator' },
      { label: 'Quit', role: 'quit', accelerator: 'CmdOrCtrl+Q' },
    ],
  };
  // Edit roles give text fields copy/paste/undo (on macOS they only work through the menu).
  const edit: MenuItemConstructorOptions = { label: '&Edit', role: 'editMenu' };
  const help: MenuItemConstructorOptions = {
    label: '&Help',
    role: 'help',
    submenu: [{ label: 'About RT Cohort Workstation', click: () => actions.about() }],
  };
  const template = [file, edit, help];
  if (platform === 'darwin') template.unshift({ role: 'appMenu' });
  return template;
}
