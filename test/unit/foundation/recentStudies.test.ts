// The recent-studies list: a JSON file in the user-data folder, most recent first, bounded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecentStudies } from '../../../electron/services/db/recentStudies';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcw-recent-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('RecentStudies', () => {
  it('keeps the most recent first, without duplicates, up to the limit, and persists', () => {
    const file = path.join(dir, 'user', 'recent-studies.json');
    const recent = new RecentStudies(file, 3);
    for (const name of ['a', 'b', 'c', 'd']) recent.add(path.join(dir, `${name}.rtcw`), new Date(`2026-01-0${name.charCodeAt(0) - 96}T00:00:00Z`));
    recent.add(path.join(dir, 'c.rtcw'), new Date('2026-02-01T00:00:00Z'));
    const names = new RecentStudies(file, 3).list().map((r) => r.fileName);
    expect(names).toEqual(['c.rtcw', 'd.rtcw', 'b.rtcw']);
    expect(new RecentStudies(file).list()[0]).toEqual({
      path: path.join(dir, 'c.rtcw'),
      fileName: 'c.rtcw',
      openedAt: '2026-02-01T00:00:00.000Z',
      exists: false,
    });
  });

  it('reports whether each file still exists and forgets entries on request', () => {
    const file = path.join(dir, 'recent.json');
    const kept = path.join(dir, 'kept.rtcw');
    fs.writeFileSync(kept, '');
    const recent = new RecentStudies(file);
    recent.add(kept);
    recent.add(path.join(dir, 'gone.rtcw'));
    expect(recent.list().map((r) => [r.fileName, r.exists])).toEqual([
      ['gone.rtcw', false],
      ['kept.rtcw', true],
    ]);
    expect(recent.has(kept)).toBe(true);
    expect(recent.remove(kept).map((r) => r.fileName)).toEqual(['gone.rtcw']);
    expect(recent.has(kept)).toBe(false);
  });

  it('treats a damaged list as empty and replaces it on the next change', () => {
    const file = path.join(dir, 'recent.json');
    fs.writeFileSync(file, '{ not json');
    const recent = new RecentStudies(file);
    expect(recent.list()).toEqual([]);
    recent.add(path.join(dir, 'x.rtcw'));
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).studies).toHaveLength(1);
  });
});
