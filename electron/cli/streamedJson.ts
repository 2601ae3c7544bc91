// A command result printed as a sequence of JSON text chunks instead of one JSON.stringify string:
// km's table on 10⁶ input rows is ~33 MB of JSON; built as one string (plus an object per row) it
// cost more time and memory than the analysis itself (issue 15, test/bench/cliStartup.bench.ts).
// main() writes the chunks in order (awaiting those a worker thread formats); their concatenation
// is one JSON document.

export class StreamedJson {
  constructor(readonly chunks: Iterable<string> | AsyncIterable<string>) {}
}

/** Rows per chunk: ~650 kB of km table text, so a chunk's objects and text stay small. */
const BLOCK_ROWS = 4096;

/**
 * The JSON text of items [from, to) of an array, without the brackets, in chunks of BLOCK_ROWS
 * items, each chunk but the array's first starting with ','; `rows(from, to)` gives the items as
 * JSON-able values (JSON.stringify formats each block, as it would the whole array).
 */
export function* jsonItemChunks(from: number, to: number, rows: (from: number, to: number) => unknown[]): Generator<string> {
  for (let start = from; start < to; start += BLOCK_ROWS) {
    const text = JSON.stringify(rows(start, Math.min(to, start + BLOCK_ROWS)));
    yield (start === 0 ? '' : ',') + text.slice(1, -1);
  }
}

/** The JSON text of an array of `length` items, in chunks (jsonItemChunks). */
export function* jsonArrayChunks(length: number, rows: (from: number, to: number) => unknown[]): Generator<string> {
  yield '[';
  yield* jsonItemChunks(0, length, rows);
  yield ']';
}

/**
 * JSON text of `head` (an object) with one more property `key` whose value is given as chunks, then
 * the properties of `tail`, in that order: {...head, [key]: <chunks>, ...tail}.
 */
export async function* jsonObjectChunks(
  head: object,
  key: string,
  value: Iterable<string> | AsyncIterable<string>,
  tail: object,
): AsyncGenerator<string> {
  const headText = JSON.stringify(head);
  yield `${headText.slice(0, -1)}${headText.length > 2 ? ',' : ''}${JSON.stringify(key)}:`;
  yield* value;
  const tailText = JSON.stringify(tail);
  yield tailText.length > 2 ? `,${tailText.slice(1)}` : '}';
}
