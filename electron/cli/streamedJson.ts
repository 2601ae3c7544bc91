// A command result printed as a sequence of JSON text chunks instead of one JSON.stringify string:
// km's table on 10⁶ input rows is ~33 MB of JSON; built as one string (plus an object per row) it
// cost more time and memory than the analysis itself (issue 15, test/bench/cliStartup.bench.ts).
// main() writes the chunks in order (awaiting those a worker thread formats); their concatenation
// is one JSON document.

export class StreamedJson {
  /** Text, or ASCII text as bytes (formatted and encoded by another thread, parallelThread.ts). */
  constructor(readonly chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>) {}
}

/**
 * Rows per chunk: ~80 kB of km table text. Larger blocks (4096 rows, ~650 kB) made every block's
 * text and its UTF-8 copy a fresh large allocation — 30 ms of page faults on 10⁶ rows (issue 15).
 */
const BLOCK_ROWS = 512;

/**
 * The JSON text of items [from, to) of an array, without the brackets, in blocks of BLOCK_ROWS
 * items, each block but the array's first starting with ','; `rows(from, to)` gives the items as
 * JSON-able values (JSON.stringify formats each block, as it would the whole array). `to` is the
 * item after the block.
 */
export function* jsonItemBlocks(from: number, to: number, rows: (from: number, to: number) => unknown[]): Generator<{ text: string; to: number }> {
  for (let start = from; start < to; start += BLOCK_ROWS) {
    const end = Math.min(to, start + BLOCK_ROWS);
    const text = JSON.stringify(rows(start, end));
    yield { text: (start === 0 ? '' : ',') + text.slice(1, -1), to: end };
  }
}

/** The text of jsonItemBlocks. */
export function* jsonItemChunks(from: number, to: number, rows: (from: number, to: number) => unknown[]): Generator<string> {
  for (const block of jsonItemBlocks(from, to, rows)) yield block.text;
}

/**
 * JSON text of `head` (an object) with one more property `key` whose value is given as chunks, then
 * the properties of `tail`, in that order: {...head, [key]: <chunks>, ...tail}.
 */
export async function* jsonObjectChunks(
  head: object,
  key: string,
  value: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  tail: object,
): AsyncGenerator<string | Uint8Array> {
  const headText = JSON.stringify(head);
  yield `${headText.slice(0, -1)}${headText.length > 2 ? ',' : ''}${JSON.stringify(key)}:`;
  yield* value;
  const tailText = JSON.stringify(tail);
  yield tailText.length > 2 ? `,${tailText.slice(1)}` : '}';
}
