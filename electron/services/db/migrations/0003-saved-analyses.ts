// Migration 3: named analysis specifications (product.md §3: "every analysis is a saved, named
// specification … that re-runs identically and records the dataset fingerprint").
// The spec is stored as canonical JSON (validated by shared/api/analysis analysisSpecSchema on
// read), with its sha256 so an export can cite exactly which specification produced it.
import type Database from 'better-sqlite3';

export function up(db: Database.Database): void {
  db.exec(`
CREATE TABLE saved_analyses (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 120),
  spec_json TEXT NOT NULL CHECK (json_valid(spec_json)),
  spec_hash TEXT NOT NULL CHECK (length(spec_hash) = 64),
  -- sha256 of the analysis dataset CSV at the last run (null until run)
  dataset_fingerprint TEXT CHECK (dataset_fingerprint IS NULL OR length(dataset_fingerprint) = 64),
  last_run_at TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
`);
}
