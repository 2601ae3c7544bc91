// Worker thread of `rtcw km` (commands/km.ts): formats the second half of each KM table as JSON text
// while the main thread formats the first half — number formatting is a third of km's time on 10⁶
// rows (issue 15). Same code as the main thread (jsonItemChunks, survivalTableRows), so the text is
// identical. The text goes back as ASCII bytes in pieces of ~1 MB, written as they arrive: one
// 16 MB string and its 16 MB copy cost more in fresh memory (page faults) than formatting a
// tenth of the rows. Built as dist/electron/cli/kmTableWorker.mjs (electron/build.mjs).
import { parentPort } from 'node:worker_threads';
import { survivalTableRows, type SurvivalTableColumns } from '../../shared/stats/kaplanMeier';
import { jsonItemBlocks } from './streamedJson';

/** Rows [from, to) of a table; `columns` hold exactly those rows (index 0 = row `from`). */
export interface TablePart {
  id: number;
  from: number;
  to: number;
  columns: SurvivalTableColumns;
}

/** The next piece of a part's text: rows [part's from, `through`) are now sent; `last` on the final piece. */
export interface TablePiece {
  id: number;
  bytes: Uint8Array;
  through: number;
  last: boolean;
}

const PIECE_BYTES = 1 << 20;

/** The part's text as ASCII bytes in pieces of about PIECE_BYTES, each ending after a whole block of rows. */
export function* tablePartPieces(part: TablePart): Generator<Omit<TablePiece, 'id' | 'last'>> {
  const rows = (a: number, b: number) => survivalTableRows(part.columns, a - part.from, b - part.from);
  let piece = Buffer.allocUnsafeSlow(PIECE_BYTES);
  let used = 0;
  let through = part.from;
  for (const { text, to } of jsonItemBlocks(part.from, part.to, rows)) {
    if (used > 0 && used + text.length > piece.length) {
      yield { bytes: piece.subarray(0, used), through };
      piece = Buffer.allocUnsafeSlow(Math.max(PIECE_BYTES, text.length));
      used = 0;
    }
    if (text.length > piece.length) piece = Buffer.allocUnsafeSlow(text.length);
    // The table is numbers and fixed keys: ASCII, so latin1 is its UTF-8, copied without encoding.
    used += piece.write(text, used, 'latin1');
    through = to;
  }
  yield { bytes: piece.subarray(0, used), through };
}

function send(id: number, piece: Omit<TablePiece, 'id' | 'last'>, last: boolean): void {
  const message: TablePiece = { id, ...piece, last };
  parentPort!.postMessage(message, [piece.bytes.buffer as ArrayBuffer]);
}

// Each piece is sent as soon as the next one starts (so the final one can say it is the last).
parentPort?.on('message', (part: TablePart) => {
  let held: Omit<TablePiece, 'id' | 'last'> | null = null;
  for (const piece of tablePartPieces(part)) {
    if (held) send(part.id, held, false);
    held = piece;
  }
  if (held) send(part.id, held, true);
});
