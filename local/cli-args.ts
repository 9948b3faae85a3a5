/** A flag of a CLI command. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: 'string' | 'strings' | 'boolean';
  readonly required?: boolean;
  readonly choices?: readonly string[];
  /** Shown in usage, e.g. `ID`. */
  readonly placeholder?: string;
  readonly description: string;
}

export type FlagValues = Record<string, string | string[] | boolean | undefined>;

/** Bad or missing flags: the CLI prints the message and a usage hint and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

/** Splits `argv` into the command words (before the first flag) and the raw flags. */
export function splitArgs(argv: readonly string[]): { words: string[]; rest: string[] } {
  const words: string[] = [];
  let i = 0;
  while (i < argv.length && !argv[i]!.startsWith('-')) words.push(argv[i++]!);
  return { words, rest: argv.slice(i) };
}

/** Parses `--flag value`, `--flag=value` and boolean `--flag` against the specs; unknown flags are errors. */
export function parseFlags(args: readonly string[], specs: readonly FlagSpec[], usage?: string): FlagValues {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const values: FlagValues = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      if (arg === '-h') {
        values.help = true;
        continue;
      }
      throw new UsageError(`unexpected argument "${arg}"`, usage);
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown flag --${name}`, usage);
    if (spec.kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`, usage);
      values[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value${spec.placeholder ? ` (${spec.placeholder})` : ''}`, usage);
      i++;
    }
    if (value === '') throw new UsageError(`--${name} must not be empty`, usage);
    if (spec.choices && !spec.choices.includes(value)) throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}, got "${value}"`, usage);
    if (spec.kind === 'strings') values[name] = [...((values[name] as string[] | undefined) ?? []), value];
    else if (values[name] !== undefined) throw new UsageError(`--${name} given twice`, usage);
    else values[name] = value;
  }
  if (values.help) return values;
  for (const spec of specs) {
    if (spec.required && values[spec.name] === undefined) throw new UsageError(`missing --${spec.name}${spec.placeholder ? ` ${spec.placeholder}` : ''} (${spec.description})`, usage);
  }
  return values;
}
