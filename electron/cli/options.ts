// Command-line options of `rtcw` (cli.md: `--name value` or `--name=value`).
// Bad input of any kind is a CliError: main prints its one-line message on stderr and exits 2.

export class CliError extends Error {
  readonly exitCode = 2;
  /**
   * @param stdout a JSON-able document main prints on stdout before the message (e.g. the
   *   row-by-row report of a rejected import), so scripts get the details as well as exit 2.
   */
  constructor(
    message: string,
    readonly stdout?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Parsed argv: named options plus positional arguments (e.g. the FILE of `study create FILE`). */
export class CliOptions {
  readonly positionals: string[] = [];
  private readonly values = new Map<string, string>();

  /**
   * `--name value` and `--name=value`. A `--name` followed by another `--option` or by nothing is a
   * flag with value "true" (e.g. `--firth`, `--demo`, `--ci`). Negative numbers are values, not options.
   * Names in `flags` never take the next word as their value (`study create --demo FILE`); they
   * accept `--name=false`.
   */
  static parse(argv: readonly string[], flags: readonly string[] = []): CliOptions {
    const options = new CliOptions();
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg.startsWith('--') && arg.length > 2) {
        const eq = arg.indexOf('=');
        let name: string;
        let value: string;
        if (eq >= 0) {
          name = arg.slice(2, eq);
          value = arg.slice(eq + 1);
        } else {
          name = arg.slice(2);
          const next = argv[i + 1];
          if (next === undefined || (next.startsWith('--') && next.length > 2) || flags.includes(name)) value = 'true';
          else {
            value = next;
            i++;
          }
        }
        if (name === '') throw new CliError(`malformed option '${arg}'`);
        if (options.values.has(name)) throw new CliError(`option --${name} given more than once`);
        options.values.set(name, value);
      } else {
        options.positionals.push(arg);
      }
    }
    return options;
  }

  /** Names of all options given. */
  names(): string[] {
    return [...this.values.keys()];
  }

  /** Throws on any option not in `allowed` (a typo must not silently change an analysis). */
  assertKnown(allowed: readonly string[], command: string): void {
    for (const name of this.values.keys()) {
      if (!allowed.includes(name)) {
        throw new CliError(
          `unknown option --${name} for '${command}' (allowed: ${allowed.map((a) => '--' + a).join(', ')})`,
        );
      }
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    return this.values.get(name) ?? fallback;
  }

  requiredString(name: string): string {
    const value = this.values.get(name);
    if (value === undefined || value === '' || value === 'true') {
      throw new CliError(`missing required option --${name}`);
    }
    return value;
  }

  number(name: string): number | undefined;
  number(name: string, fallback: number): number;
  number(name: string, fallback?: number): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    return parseOptionNumber(name, raw);
  }

  requiredNumber(name: string): number {
    return parseOptionNumber(name, this.requiredString(name));
  }

  /** Comma-separated list; empty items are dropped. */
  list(name: string): string[] | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  requiredList(name: string): string[] {
    const list = this.list(name);
    if (list === undefined || list.length === 0) throw new CliError(`missing required option --${name}`);
    return list;
  }

  numberList(name: string): number[] | undefined {
    return this.list(name)?.map((item) => parseOptionNumber(name, item));
  }

  /** A boolean flag: absent → false; `--x`, `--x=true`, `--x true` → true; `--x=false` → false. */
  flag(name: string): boolean {
    const raw = this.values.get(name);
    if (raw === undefined) return false;
    if (raw === 'true' || raw === '1' || raw === 'yes') return true;
    if (raw === 'false' || raw === '0' || raw === 'no') return false;
    throw new CliError(`option --${name} is a flag; got '${raw}'`);
  }

  /** One of a fixed set of words. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T;
  choice<T extends string>(name: string, choices: readonly T[]): T | undefined;
  choice<T extends string>(name: string, choices: readonly T[], fallback?: T): T | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    if (!(choices as readonly string[]).includes(raw)) {
      throw new CliError(`option --${name} must be one of ${choices.join(', ')}; got '${raw}'`);
    }
    return raw as T;
  }

  /** `B=level,C=level` → Map (used by --ref). */
  keyValues(name: string): Map<string, string> {
    const map = new Map<string, string>();
    for (const item of this.list(name) ?? []) {
      const eq = item.indexOf('=');
      if (eq <= 0) throw new CliError(`option --${name} expects COLUMN=VALUE items; got '${item}'`);
      map.set(item.slice(0, eq), item.slice(eq + 1));
    }
    return map;
  }
}

function parseOptionNumber(name: string, raw: string): number {
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value)) throw new CliError(`option --${name} expects a number; got '${raw}'`);
  return value;
}
