// A command result printed as a sequence of JSON text chunks instead of one JSON.stringify string:
// km's table on 10⁶ input rows is ~33 MB of JSON; built as one string (plus an object per row) it
// cost more time and memory than the analysis itself (issue 15, test/bench/cliStartup.bench.ts).
// main() writes the chunks in order; their concatenation is one JSON document.

export class StreamedJson {
  constructor(readonly chunks: Iterable<string>) {}
}

/** Rows per chunk: ~650 kB of km table text, so a chunk's objects and text stay small. */
const BLOCK_ROWS = 4096;

/**
 * The JSON text of an array of `length` items, in chunks of BLOCK_ROWS items; `rows(from, to)` gives
 * items [from, to) as JSON-able values (JSON.stringify formats each block, as it would the whole).
 */
export function* jsonArrayChunks(length: number, rows: (from: number, to: number) => unknown[]): Generator<string> {
  yield '[';
  for (let from = 0; from < length; from += BLOCK_ROWS) {
    const text = JSON.stringify(rows(from, Math.min(length, from + BLOCK_ROWS)));
    yield (from === 0 ? '' : ',') + text.slice(1, -1);
  }
  yield ']';
}

/**
 * JSON text of `head` (an object) with one more property `key` whose value is given as chunks, then
 * the properties of `tail`, in that order: {...head, [key]: <chunks>, ...tail}.
 */
export function* jsonObjectChunks(head: object, key: string, value: Iterable<string>, tail: object): Generator<string> {
  const headText = JSON.stringify(head);
  yield `${headText.slice(0, -1)}${headText.length > 2 ? ',' : ''}${JSON.stringify(key)}:`;
  yield* value;
  const tailText = JSON.stringify(tail);
  yield tailText.length > 2 ? `,${tailText.slice(1)}` : '}';
}
