// Worker thread of `rtcw km` (commands/km.ts): formats the second half of each KM table as JSON text
// while the main thread formats the first half — number formatting is a third of km's time on 10⁶
// rows (issue 15). Same code as the main thread (jsonItemChunks, survivalTableRows), so the text is
// identical. Built as dist/electron/cli/kmTableWorker.mjs (electron/build.mjs).
import { parentPort } from 'node:worker_threads';
import { survivalTableRows, type SurvivalTableColumns } from '../../shared/stats/kaplanMeier';
import { jsonItemChunks } from './streamedJson';

/** Rows [from, to) of a table; `columns` hold exactly those rows (index 0 = row `from`). */
export interface TablePart {
  id: number;
  from: number;
  to: number;
  columns: SurvivalTableColumns;
}

export function tablePartText(part: TablePart): string {
  const rows = (a: number, b: number) => survivalTableRows(part.columns, a - part.from, b - part.from);
  return [...jsonItemChunks(part.from, part.to, rows)].join('');
}

parentPort?.on('message', (part: TablePart) => {
  parentPort!.postMessage({ id: part.id, text: tablePartText(part) });
});
