// The CLI's stdout: written with writeSync on file descriptor 1. process.stdout builds a stream
// (the stream modules, and for a pipe a socket) on first use — 3 ms of a 30 ms start, a tenth of
// the `rtcw --help` budget of issue 15 (test/bench/cliStartup.bench.ts). Blocking writes keep the
// order of km's streamed chunks; a non-blocking pipe that is full (EAGAIN) is waited on, and a reader
// that has gone (EPIPE: `rtcw km … | head`) ends the output quietly, as for any Unix filter.
// getBuiltinModule: the CommonJS fs, not its ESM facade (which loads the stream modules).
const fs: typeof import('node:fs') = process.getBuiltinModule?.('node:fs') ?? (await import('node:fs')).default;

const pause = new Int32Array(new SharedArrayBuffer(4));
let readerGone = false;

/** Writes all of `data` to fd 1 before returning. */
function writeAll(data: string | Uint8Array): void {
  if (readerGone) return;
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let at = 0; at < bytes.length; ) {
    try {
      at += fs.writeSync(1, bytes, at, bytes.length - at);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EPIPE') {
        readerGone = true;
        return;
      }
      if (code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

export const standardOutput = { write: writeAll };
