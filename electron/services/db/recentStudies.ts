// The recent-studies list: a small JSON file in the user-data directory, never inside a study.
import fs from 'node:fs';
import path from 'node:path';
import type { RecentStudy } from '../../../shared/api/study';

interface StoredEntry {
  path: string;
  openedAt: string;
}

export class RecentStudies {
  constructor(
    readonly file: string,
    readonly limit = 10,
  ) {}

  list(): RecentStudy[] {
    return this.read().map((entry) => ({
      path: entry.path,
      fileName: path.basename(entry.path),
      openedAt: entry.openedAt,
      exists: fs.existsSync(entry.path),
    }));
  }

  has(studyPath: string): boolean {
    const target = path.resolve(studyPath);
    return this.read().some((entry) => entry.path === target);
  }

  /** Moves (or adds) the study to the top of the list. */
  add(studyPath: string, openedAt = new Date()): RecentStudy[] {
    const target = path.resolve(studyPath);
    const rest = this.read().filter((entry) => entry.path !== target);
    this.write([{ path: target, openedAt: openedAt.toISOString() }, ...rest].slice(0, this.limit));
    return this.list();
  }

  remove(studyPath: string): RecentStudy[] {
    const target = path.resolve(studyPath);
    this.write(this.read().filter((entry) => entry.path !== target));
    return this.list();
  }

  private read(): StoredEntry[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    try {
      const parsed: unknown = JSON.parse(text);
      const entries = (parsed as { studies?: unknown }).studies;
      if (!Array.isArray(entries)) return [];
      return entries.filter(
        (e): e is StoredEntry =>
          typeof e === 'object' && e !== null && typeof (e as StoredEntry).path === 'string' && typeof (e as StoredEntry).openedAt === 'string',
      );
    } catch {
      // A damaged list is not worth an error dialog: start a new one.
      return [];
    }
  }

  private write(entries: StoredEntry[]): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const partial = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, `${JSON.stringify({ version: 1, studies: entries }, null, 2)}\n`);
    fs.renameSync(partial, this.file);
  }
}
