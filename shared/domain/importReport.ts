// What a spreadsheet import (or its preview) reports: per-sheet counts and every rejected cell.
import type { EntityName } from './cohortModel';

export interface RejectedCell {
  sheet: string;
  /** Spreadsheet row number (the header is row 1); 0 for a problem with the sheet itself. */
  row: number;
  column: string;
  value: string | number | boolean | null;
  reason: string;
}

export interface SheetSummary {
  sheet: string;
  entity: EntityName;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface ImportReport {
  file: string;
  dryRun: boolean;
  committed: boolean;
  sheets: SheetSummary[];
  rejected: RejectedCell[];
  message: string;
}
