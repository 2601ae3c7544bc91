// `rtcw` entry: dispatches argv to one command module (cli.md) and prints its JSON result.
// Exit codes: 0 success, 2 bad input (CliError, one line on stderr), 1 internal failure.
// Only what every start needs is imported statically: the failure classes below load with the
// failure (studyAccess pulls in better-sqlite3, coxModel the distributions), so `rtcw --help` and the
// CSV commands start without them (issue 15; test/bench/cliStartup.bench.ts).
import { CliError, CliOptions } from './options';
import { standardOutput } from './standardOutput';
import { StreamedJson } from './streamedJson';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** stdout also takes ASCII text as bytes (a stream); otherwise it gets them as a string. */
  stdoutTakesBytes?: boolean;
}

/**
 * A command module in ./commands/<file>.ts. `run` returns the JSON-able result, a StreamedJson (JSON
 * text in chunks, for very large results), or `{ raw }` for commands that print text as-is (dataset
 * CSV). `allowedOptions`, when exported, lists the option names the command accepts; any other
 * option is rejected before the command runs.
 */
export interface CommandModule {
  run(options: CliOptions): unknown;
  allowedOptions?: readonly string[];
  /** Boolean options that never take the next word as their value (see CliOptions.parse). */
  flagOptions?: readonly string[];
}

// One line per command of cli.md: command words → module file in ./commands (owner in the comment).
// Modules are loaded on demand so a command whose module is missing fails alone, with a clear message.
const commands: Record<string, string> = {
  km: 'km', // A
  logrank: 'logrank', // A
  followup: 'followup', // A
  cuminc: 'cuminc', // A
  tabletest: 'tabletest', // A
  cox: 'cox', // B
  zph: 'zph', // B
  finegray: 'finegray', // B
  'dicom-scan': 'dicomScan', // E
  'study create': 'studyCreate', // D
  'study import-dicom': 'studyImportDicom', // E
  'study import-table': 'studyImportTable', // D
  'study share': 'studyShare', // issue 11
  'study reid-list': 'studyReidList', // issue 11
  'study key export': 'studyKeyExport', // issue 11
  'study key import': 'studyKeyImport', // issue 11
  dataset: 'dataset', // D
  report: 'report', // D
  figure: 'figure', // F
};

// Commands that take positional arguments (the study FILE, the figure kind); every other command
// refuses them, so a stray word (e.g. a value whose --option was forgotten) is not silently ignored.
const takesPositionals = new Set(['study create', 'study import-dicom', 'study import-table', 'study share', 'study reid-list', 'study key export', 'study key import', 'figure']);

function usage(): string {
  return `usage: rtcw <command> [options]\ncommands: ${Object.keys(commands).join(', ')}\n`;
}

async function loadCommand(file: string, commandName: string): Promise<CommandModule> {
  let mod: Partial<CommandModule>;
  try {
    // With the extension, so esbuild bundles every command as its own chunk (electron/build.mjs).
    mod = (await import(/* @vite-ignore */ `./commands/${file}.ts`)) as Partial<CommandModule>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const missing =
      (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' ||
      /Cannot find module|Failed to load url|Does the file exist|Unknown variable dynamic import/i.test(message);
    if (missing && message.includes(`commands/${file}`)) {
      throw new CliError(`command '${commandName}' is not available in this build (electron/cli/commands/${file}.ts missing)`);
    }
    throw error;
  }
  if (typeof mod.run !== 'function') throw new Error(`electron/cli/commands/${file}.ts does not export run()`);
  return mod as CommandModule;
}

/** process.stderr, built only when something is written to it (standardOutput.ts says why). */
const lazyStderr = { write: (text: string) => process.stderr.write(text) };

export async function main(
  argv: string[],
  io: CliIo = { stdout: standardOutput, stderr: lazyStderr, stdoutTakesBytes: true },
): Promise<number> {
  if (argv.length === 0) {
    // Bad input: one line on stderr, like every other usage error.
    io.stderr.write(`rtcw: missing command; ${usage().split('\n')[1]}\n`);
    return 2;
  }
  if (argv[0] === '--help' || argv[0] === 'help') {
    io.stdout.write(usage());
    return 0;
  }
  let commandName = argv[0];
  let rest = argv.slice(1);
  if (commandName === 'study') {
    commandName = `study ${argv[1] ?? ''}`.trim();
    rest = argv.slice(2);
    if (commandName === 'study key') {
      commandName = `study key ${argv[2] ?? ''}`.trim();
      rest = argv.slice(3);
    }
  }
  try {
    const file = commands[commandName];
    if (file === undefined) throw new CliError(`unknown command '${commandName}'; ${usage().split('\n')[1]}`);
    const command = await loadCommand(file, commandName);
    const options = CliOptions.parse(rest, command.flagOptions);
    if (!takesPositionals.has(commandName) && options.positionals.length > 0) {
      throw new CliError(`unexpected argument '${options.positionals[0]}' (options are --name value or --name=value)`);
    }
    if (command.allowedOptions) options.assertKnown(command.allowedOptions, commandName);
    const result = await command.run(options);
    if (result instanceof StreamedJson) {
      for await (const chunk of result.chunks) {
        if (typeof chunk === 'string') io.stdout.write(chunk);
        else if (io.stdoutTakesBytes) (io.stdout as unknown as { write(bytes: Uint8Array): unknown }).write(chunk);
        else io.stdout.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1'));
      }
      io.stdout.write('\n');
    } else if (result && typeof result === 'object' && typeof (result as { raw?: unknown }).raw === 'string') {
      io.stdout.write((result as { raw: string }).raw);
    } else {
      io.stdout.write(JSON.stringify(result) + '\n');
    }
    return 0;
  } catch (caught) {
    return reportFailure(caught, commandName, io);
  }
}

/** Prints a failure: bad input as one line on stderr (exit 2), anything else as an internal error (1). */
async function reportFailure(caught: unknown, commandName: string, io: CliIo): Promise<number> {
  // Typed API failures (a locked, read-only or damaged study…) and storage failures (disk full)
  // are bad input for the user, not bugs: one line, exit 2 (issue 12).
  const error = caught instanceof CliError ? caught : await asBadInput(caught);
  if (error instanceof CliError) {
    if (error.stdout !== undefined) io.stdout.write(JSON.stringify(error.stdout) + '\n');
    io.stderr.write(`rtcw ${commandName}: ${oneLine(error.message)}\n`);
    return 2;
  }
  // The data cannot give the analysis (no events, nothing to compare, singular design …): bad input,
  // one line and exit 2 like every other, never a stack trace (issue 13, class 2).
  if (await isModelFailure(error)) {
    io.stderr.write(`rtcw ${commandName}: ${oneLine((error as Error).message)}\n`);
    return 2;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`rtcw ${commandName}: internal error: ${message}\n`);
  return 1;
}

/** A CliError for an ApiError (except INTERNAL) or a storage failure; otherwise the error itself. */
async function asBadInput(caught: unknown): Promise<unknown> {
  const [{ ApiError }, { asCliError }] = await Promise.all([import('../../shared/api/contract'), import('./studyAccess')]);
  return caught instanceof ApiError && caught.code === 'INTERNAL' ? caught : asCliError(caught);
}

/** The data cannot give the model (no events, singular design …). */
async function isModelFailure(error: unknown): Promise<boolean> {
  const [{ ModelFitError }, { ModelSpecificationError }] = await Promise.all([
    import('../../shared/stats/coxModel'),
    import('../../shared/stats/designMatrix'),
  ]);
  return error instanceof ModelFitError || error instanceof ModelSpecificationError;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
