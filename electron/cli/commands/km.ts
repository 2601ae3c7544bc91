// rtcw km — Kaplan–Meier curves (cli.md), as R's survfit + summary(censored = TRUE) + quantile.
import { existsSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import {
  kaplanMeierByGroup,
  survivalAt,
  survivalQuantile,
  survivalTableRows,
  type ConfType,
  type KaplanMeierCurve,
  type SurvivalTableColumns,
} from '../../../shared/stats/kaplanMeier';
import { readCsvTable } from '../../services/analysis/csvTable';
import type { TablePart, TablePiece } from '../kmTableWorker';
import { CliError, type CliOptions } from '../options';
import { StreamedJson, jsonItemChunks, jsonObjectChunks } from '../streamedJson';

export const allowedOptions = ['data', 'time', 'event', 'group', 'conf-type', 'conf-level', 'at'];

/** Table rows (all groups) from which a worker thread formats half of each table. */
const PARALLEL_ROWS = 20_000;
/** Data files from which that worker is started (20,000 distinct times take at least ~200 kB). */
const PARALLEL_FILE_BYTES = 200_000;

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // readCsvTable reports the file
  }
}

export function run(options: CliOptions) {
  const timeColumn = options.requiredString('time');
  const eventColumn = options.requiredString('event');
  const groupColumn = options.string('group');
  const confType = options.choice<ConfType>('conf-type', ['log', 'log-log', 'plain'], 'log');
  const confLevel = options.number('conf-level', 0.95);
  if (!(confLevel > 0 && confLevel < 1)) throw new CliError(`option --conf-level must be between 0 and 1; got ${confLevel}`);
  const at = options.numberList('at');
  const data = options.requiredString('data');
  // Started before the file is read, so the thread is up when the tables are ready; only for files
  // that can give a long table (a thread costs ~20 ms of CPU to start).
  const helper = fileSize(data) >= PARALLEL_FILE_BYTES ? TableWorker.start() : null;
  try {
    const used = groupColumn ? [timeColumn, eventColumn, groupColumn] : [timeColumn, eventColumn];
    const table = readCsvTable(data, used);
    const frame = table.select(used);
    if (frame.n === 0) throw new CliError(`${table.fileName}: no complete rows for the columns used`);
    const time = frame.time(timeColumn);
    const event = frame.event(eventColumn);
    const groups = groupColumn ? frame.factor(groupColumn) : { levels: [null], codes: new Int32Array(frame.n) };
    const curves = kaplanMeierByGroup(time, event, groups.codes, groups.levels.length, { confType, confLevel });
    const rows = curves.reduce((sum, c) => sum + c.time.length, 0);
    const parallel = rows >= PARALLEL_ROWS ? helper : null;
    if (!parallel) helper?.close();
    // Printed block by block (streamedJson.ts): the table has a row per distinct time.
    return new StreamedJson(jsonObjectChunks({}, 'groups', groupsJson(curves, groups.levels, at, parallel), {}));
  } catch (error) {
    helper?.close();
    throw error;
  }
}

/** The `groups` array: { group, n, events, table, median, at? } per curve (cli.md). */
async function* groupsJson(
  curves: KaplanMeierCurve[],
  levels: Array<string | null>,
  at: number[] | undefined,
  helper: TableWorker | null,
): AsyncGenerator<string | Uint8Array> {
  // Every table's second half goes to the worker first, so it formats while this thread does the first halves.
  const halves = curves.map((c) => (helper ? helper.format(c, Math.ceil(c.time.length / 2), c.time.length) : null));
  try {
    yield '[';
    for (let g = 0; g < curves.length; g++) {
      const curve = curves[g];
      if (g > 0) yield ',';
      yield* jsonObjectChunks(
        { group: levels[g], n: curve.n, events: curve.events },
        'table',
        tableChunks(curve, halves[g]),
        { median: survivalQuantile(curve, 0.5), ...(at ? { at: survivalAt(curve, at) } : {}) },
      );
    }
    yield ']';
  } finally {
    helper?.close();
  }
}

/** One table's JSON: the first half formatted here, the second by the worker (or here, without one). */
async function* tableChunks(curve: KaplanMeierCurve, secondHalf: TablePieces | null): AsyncGenerator<string | Uint8Array> {
  const n = curve.time.length;
  const mid = secondHalf ? Math.ceil(n / 2) : n;
  const rows = (from: number, to: number) => survivalTableRows(curve, from, to);
  yield '[';
  yield* jsonItemChunks(0, mid, rows);
  // The worker's pieces as they come; from the row it stopped at, this thread's own text if it failed.
  const rest = secondHalf ? yield* secondHalf.pieces() : mid;
  yield* jsonItemChunks(rest, n, rows);
  yield ']';
}

/** The table-formatting worker (kmTableWorker.ts); any failure leaves the rest of the work to this thread. */
class TableWorker {
  private readonly parts = new Map<number, TablePieces>();
  private nextId = 0;
  /** Set once the worker has failed or exited: later parts are formatted by this thread. */
  private gone = false;

  private constructor(private readonly worker: Worker) {
    worker.unref(); // never keeps the process alive by itself: only while a part is outstanding
    worker.on('message', (piece: TablePiece) => this.receive(piece));
    worker.on('error', () => this.failAll());
    worker.on('exit', () => this.failAll());
  }

  /** The built worker beside the bundled command, or null (running from the TypeScript source). */
  static start(): TableWorker | null {
    const file = new URL('./kmTableWorker.mjs', import.meta.url);
    if (!file.href.startsWith('file:') || !existsSync(file)) return null;
    try {
      // No inherited node options: they may name an entry (-e, --input-type) that is not this file.
      return new TableWorker(new Worker(file, { execArgv: [] }));
    } catch {
      return null;
    }
  }

  /** Rows [from, to) of `curve`, formatted by the worker (jsonItemChunks' text as ASCII bytes). */
  format(curve: SurvivalTableColumns, from: number, to: number): TablePieces {
    if (this.gone) return TablePieces.failed(from);
    const id = this.nextId++;
    const columns: SurvivalTableColumns = {
      time: curve.time.slice(from, to),
      nRisk: curve.nRisk.slice(from, to),
      nEvent: curve.nEvent.slice(from, to),
      nCensor: curve.nCensor.slice(from, to),
      surv: curve.surv.slice(from, to),
      seLogSurv: curve.seLogSurv.slice(from, to),
      lower: curve.lower.slice(from, to),
      upper: curve.upper.slice(from, to),
    };
    const part: TablePart = { id, from, to, columns };
    const pieces = new TablePieces(from);
    this.parts.set(id, pieces);
    this.worker.ref();
    this.worker.postMessage(part, Object.values(columns).map((a: Float64Array | Int32Array) => a.buffer as ArrayBuffer));
    return pieces;
  }

  close(): void {
    void this.worker.terminate();
  }

  private receive(piece: TablePiece): void {
    this.parts.get(piece.id)?.add(piece.bytes, piece.through, piece.last);
    if (piece.last) this.finished(piece.id);
  }

  private finished(id: number): void {
    this.parts.delete(id);
    if (this.parts.size === 0) this.worker.unref();
  }

  private failAll(): void {
    this.gone = true;
    for (const [id, pieces] of [...this.parts]) {
      pieces.fail();
      this.finished(id);
    }
  }
}

/** The pieces of one part as the worker sends them, in order. */
class TablePieces {
  private readonly queue: Uint8Array[] = [];
  private done = false;
  private wake: (() => void) | null = null;

  /** `through`: the row after the last one sent so far. */
  constructor(private through: number) {}

  /** Pieces of a part the worker will never send: this thread formats it from `from`. */
  static failed(from: number): TablePieces {
    const pieces = new TablePieces(from);
    pieces.fail();
    return pieces;
  }

  add(bytes: Uint8Array, through: number, last: boolean): void {
    this.queue.push(bytes);
    this.through = through;
    this.done = last;
    this.wake?.();
  }

  fail(): void {
    this.done = true;
    this.wake?.();
  }

  /** Yields the pieces as they arrive; returns the row after the last one received (the part's end unless the worker failed). */
  async *pieces(): AsyncGenerator<Uint8Array, number> {
    for (;;) {
      while (this.queue.length > 0) yield this.queue.shift()!;
      if (this.done) return this.through;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}
