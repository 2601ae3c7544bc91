// File grants scoped to purpose (issue 12). Plain Node, used by both transports:
// - electron/main records what the native dialogs granted (FileGrants) and lets the renderer refer to
//   a path again only for the same purpose, only for reading — a path chosen to be written is used
//   once, by the call that opened the dialog;
// - the API service checks every chosen path, typed (web mode) or picked, before a handler sees it
//   (checkChosenPath): the open study and its side files, any other SQLite database and the app's
//   own folders are never written; a save name must carry the format's extension; a typed path
//   never replaces an existing file (only a native save dialog, which asks, may).
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/api/contract';
import type { PathRequest } from './apiService';

export type GrantKind = 'study' | 'newStudy' | 'exportFile' | 'reportFolder' | 'dicomFolder' | 'spreadsheet' | 'studyKey';
export type GrantAccess = 'read' | 'write';

/** Every PathRequest purpose the services use, with what it grants. Unknown purposes are refused. */
export const PATH_PURPOSES: Readonly<Record<string, { kind: GrantKind; access: GrantAccess }>> = {
  openStudy: { kind: 'study', access: 'read' },
  createStudy: { kind: 'newStudy', access: 'write' },
  exportFigure: { kind: 'exportFile', access: 'write' },
  exportTable: { kind: 'exportFile', access: 'write' },
  writeStudyReport: { kind: 'reportFolder', access: 'write' },
  importDicomFolder: { kind: 'dicomFolder', access: 'read' },
  importTable: { kind: 'spreadsheet', access: 'read' },
  // The study key files of issue 11a (File → Export/Import Study Key…): written like an export
  // (never over the study, its side files or the app's folders, where the key store lives).
  exportStudyKey: { kind: 'studyKey', access: 'write' },
  importStudyKey: { kind: 'studyKey', access: 'read' },
  // Issue 11b: the de-identified shared copy (File → Share a De-identified Copy…) and the
  // re-identification list (File → Re-identification List…) are written like an export (never over
  // the study, its side files or the app's folders); the list's DICOM folder is only read.
  shareStudyCopy: { kind: 'exportFile', access: 'write' },
  reidList: { kind: 'exportFile', access: 'write' },
  reidListDicomFolder: { kind: 'dicomFolder', access: 'read' },
};

/** How a path reached the services. Only a native save dialog has asked the user about replacing. */
export type PathSource = 'dialog' | 'grant' | 'typed';

export interface ChosenPath {
  path: string;
  source: PathSource;
}

export function purposeOf(request: Pick<PathRequest, 'purpose'>): { kind: GrantKind; access: GrantAccess } {
  const purpose = PATH_PURPOSES[request.purpose];
  if (!purpose) throw new ApiError('FORBIDDEN', `No file access is defined for "${request.purpose}".`);
  return purpose;
}

/**
 * What the desktop app's dialogs granted this session. Read grants (a study, a spreadsheet, a DICOM
 * folder) may be named again for the SAME kind; write grants are never stored, so a path picked to
 * be written cannot be replayed by the renderer for another export or another purpose.
 */
export class FileGrants {
  private readonly reads = new Map<string, Set<GrantKind>>();

  /** Records a path the user picked in a dialog for `request`. */
  record(request: Pick<PathRequest, 'purpose'>, chosen: string): void {
    const { kind, access } = purposeOf(request);
    if (access !== 'read') return;
    const key = path.resolve(chosen);
    const kinds = this.reads.get(key) ?? new Set<GrantKind>();
    kinds.add(kind);
    this.reads.set(key, kinds);
  }

  /** Whether the renderer may name `requested` again for `request` without a dialog. */
  allows(request: Pick<PathRequest, 'purpose'>, requested: string): boolean {
    const { kind, access } = purposeOf(request);
    return access === 'read' && (this.reads.get(path.resolve(requested))?.has(kind) ?? false);
  }
}

export interface PathCheckContext {
  /** The study open in the session (never an export target), if any. */
  openStudyPath: string | null;
  /** The app's own folders (user data: recent list, demo study, keys): never written by exports. */
  appDirs: readonly string[];
}

/**
 * Checks a chosen path against its purpose and returns the path to use (a save name without an
 * extension gets the format's). Throws ApiError FORBIDDEN / INVALID_INPUT / ALREADY_EXISTS.
 */
export function checkChosenPath(request: PathRequest, chosen: ChosenPath, context: PathCheckContext): string {
  const { kind, access } = purposeOf(request);
  let target = path.resolve(chosen.path);
  if (access === 'read') return target;

  // New studies may live in the app's folder (web mode's default, the demo); exports may not.
  const protectedContext = kind === 'newStudy' ? { ...context, appDirs: [] } : context;
  const refuseProtected = (candidate: string) => {
    if (isProtected(candidate, protectedContext)) {
      throw new ApiError('FORBIDDEN', `${path.basename(candidate)} belongs to the open study or to the application; choose another file or folder. Nothing was written.`);
    }
  };
  refuseProtected(target);
  if (request.mode === 'save-file') target = withFormatExtension(request, target);
  refuseProtected(target);
  const name = path.basename(target);
  if (request.mode === 'save-file' && fs.existsSync(target)) {
    if (isDatabaseFile(target)) throw new ApiError('FORBIDDEN', `${name} is a study or database file; exports never replace one. Choose another name.`);
    if (fs.statSync(target).isDirectory()) throw new ApiError('INVALID_INPUT', `${name} is a folder; choose a file name.`);
    if (chosen.source !== 'dialog') {
      throw new ApiError('ALREADY_EXISTS', `${name} already exists; choose another name (only the save dialog can confirm replacing a file).`);
    }
  }
  return target;
}

/**
 * The format follows the name: a name with another extension than the format's is refused (it
 * would put, say, PNG bytes in a .pdf); a name without one gets it — unless that file exists,
 * since the save dialog never asked about THAT name.
 */
function withFormatExtension(request: PathRequest, target: string): string {
  const allowed = (request.filters ?? []).flatMap((f) => f.extensions.map((e) => e.toLowerCase()));
  if (allowed.length === 0 || allowed.includes('*')) return target;
  const ext = path.extname(target).slice(1).toLowerCase();
  if (ext === '') {
    const named = `${target}.${allowed[0]}`;
    if (fs.existsSync(named)) {
      throw new ApiError('ALREADY_EXISTS', `${path.basename(named)} already exists; choose it by its full name in the save dialog to replace it, or another name.`);
    }
    return named;
  }
  if (!allowed.includes(ext)) {
    const expected = allowed.map((e) => `.${e}`).join(' or ');
    throw new ApiError('INVALID_INPUT', `${path.basename(target)}: the file is ${request.filters?.[0]?.name ?? allowed[0]}, so its name must end in ${expected}; nothing was written.`);
  }
  return target;
}

/** The open study, its side files and backups, lock files, and anything inside the app's folders. */
function isProtected(target: string, context: PathCheckContext): boolean {
  const real = realTarget(target);
  for (const dir of context.appDirs) {
    const root = realTarget(path.resolve(dir));
    if (real === root || real.startsWith(root + path.sep)) return true;
  }
  if (!context.openStudyPath) return false;
  const study = realTarget(context.openStudyPath);
  if (sameFile(target, context.openStudyPath)) return true;
  if (!real.startsWith(study)) return false;
  const suffix = real.slice(study.length);
  return /^(-wal|-shm|-journal|\.lock|\.lock-journal|\.partial-.*|\..*\.bak)$/i.test(suffix);
}

/** Absolute path with symlinks resolved as far as the path exists (a new file's folder). */
function realTarget(target: string): string {
  try {
    return fs.realpathSync.native(target);
  } catch {
    const parent = path.dirname(target);
    return parent === target ? target : path.join(realTarget(parent), path.basename(target));
  }
}

/** Same inode (catches hard links and case-insensitive names of the open study). */
function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.ino === sb.ino && sa.dev === sb.dev;
  } catch {
    return false;
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

function isDatabaseFile(target: string): boolean {
  try {
    const fd = fs.openSync(target, 'r');
    try {
      const head = Buffer.alloc(SQLITE_MAGIC.length);
      return fs.readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_MAGIC);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}
