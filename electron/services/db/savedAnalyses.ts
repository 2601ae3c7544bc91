// Named analysis specifications kept in the study (migration 0003). Queries are plain functions of db.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/api/contract';
import { analysisSpecSchema, type AnalysisSpec, type SavedAnalysis } from '../../../shared/api/analysis';
import { audit, currentUser } from './cohortRecords';

/** JSON with object keys sorted, so equal specs hash equally whatever order they were built in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function analysisSpecHash(spec: AnalysisSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

interface SavedRow {
  id: number;
  name: string;
  spec_json: string;
  spec_hash: string;
  dataset_fingerprint: string | null;
  last_run_at: string | null;
  updated_at: string;
}

function fromRow(row: SavedRow): SavedAnalysis {
  // Re-parse so specs saved by an older build get today's defaults for new options.
  const spec = analysisSpecSchema.parse(JSON.parse(row.spec_json));
  return {
    id: row.id,
    name: row.name,
    spec,
    specHash: row.spec_hash,
    datasetFingerprint: row.dataset_fingerprint,
    lastRunAt: row.last_run_at,
    updatedAt: row.updated_at,
  };
}

export function listSavedAnalyses(db: Database.Database): SavedAnalysis[] {
  const rows = db.prepare('SELECT * FROM saved_analyses ORDER BY name COLLATE NOCASE').all() as SavedRow[];
  return rows.map(fromRow);
}

export function getSavedAnalysis(db: Database.Database, id: number): SavedAnalysis {
  const row = db.prepare('SELECT * FROM saved_analyses WHERE id = ?').get(id) as SavedRow | undefined;
  if (!row) throw new ApiError('NOT_FOUND', `Saved analysis ${id} does not exist.`);
  return fromRow(row);
}

// Saving and deleting are edits of the study: each runs in a transaction and is recorded in the
// audit log (entity "savedAnalysis"), like the cohort's writes. Recording a run is not an edit.
const auditedSpec = (a: SavedAnalysis) => ({ name: a.name, spec: a.spec, specHash: a.specHash });

/** Saves a specification under a name, replacing the spec of an existing analysis of that name. */
export function saveAnalysis(db: Database.Database, name: string, spec: AnalysisSpec, who = currentUser()): SavedAnalysis {
  const json = canonicalJson(spec);
  const hash = analysisSpecHash(spec);
  return db.transaction(() => {
    const existing = db.prepare('SELECT id, spec_hash FROM saved_analyses WHERE name = ?').get(name) as { id: number; spec_hash: string } | undefined;
    if (existing) {
      const before = getSavedAnalysis(db, existing.id);
      // A changed spec invalidates the recorded run.
      db.prepare(
        `UPDATE saved_analyses SET spec_json = ?, spec_hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
           dataset_fingerprint = CASE WHEN spec_hash = ? THEN dataset_fingerprint ELSE NULL END,
           last_run_at = CASE WHEN spec_hash = ? THEN last_run_at ELSE NULL END
         WHERE id = ?`,
      ).run(json, hash, hash, hash, existing.id);
      const after = getSavedAnalysis(db, existing.id);
      if (before.specHash !== after.specHash) audit(db, who, 'update', 'savedAnalysis', existing.id, auditedSpec(before), auditedSpec(after));
      return after;
    }
    const info = db.prepare('INSERT INTO saved_analyses (name, spec_json, spec_hash) VALUES (?, ?, ?)').run(name, json, hash);
    const created = getSavedAnalysis(db, Number(info.lastInsertRowid));
    audit(db, who, 'insert', 'savedAnalysis', created.id, null, auditedSpec(created));
    return created;
  })();
}

export function recordAnalysisRun(db: Database.Database, id: number, specHash: string, datasetFingerprint: string): void {
  db.prepare(
    `UPDATE saved_analyses SET dataset_fingerprint = ?, last_run_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE id = ? AND spec_hash = ?`,
  ).run(datasetFingerprint, id, specHash);
}

export function deleteSavedAnalysis(db: Database.Database, id: number, who = currentUser()): void {
  db.transaction(() => {
    // The raw row, so even a spec today's schema no longer parses can be deleted.
    const row = db.prepare('SELECT name, spec_json, spec_hash FROM saved_analyses WHERE id = ?').get(id) as
      | { name: string; spec_json: string; spec_hash: string }
      | undefined;
    if (!row) throw new ApiError('NOT_FOUND', `Saved analysis ${id} does not exist.`);
    db.prepare('DELETE FROM saved_analyses WHERE id = ?').run(id);
    audit(db, who, 'delete', 'savedAnalysis', id, { name: row.name, spec: JSON.parse(row.spec_json), specHash: row.spec_hash }, null);
  })();
}
