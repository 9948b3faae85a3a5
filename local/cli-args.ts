import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A flag of a CLI command. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: 'string' | 'strings' | 'boolean';
  readonly required?: boolean;
  readonly choices?: readonly string[];
  /** A one-letter alias, e.g. `h` for `--help`. */
  readonly short?: string;
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

type ParseArgsError = TypeError & { code?: string };

/** node:util's messages name the flag in quotes (`Unknown option '--colour'`); ours say the same in our words. */
function usageErrorOf(error: ParseArgsError, specs: readonly FlagSpec[], usage?: string): UsageError {
  const quoted = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1];
  const spec = quoted ? specs.find((s) => `--${s.name}` === quoted || (s.short && `-${s.short}` === quoted)) : undefined;
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown flag ${quoted ?? error.message}`, usage);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument "${/'([^']*)'/.exec(error.message)?.[1] ?? '?'}"`, usage);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (spec?.kind === 'boolean') return new UsageError(`--${spec.name} takes no value`, usage);
      if (spec) return new UsageError(`--${spec.name} needs a value${spec.placeholder ? ` (${spec.placeholder})` : ''}`, usage);
      return new UsageError(error.message.split('\n')[0]!, usage);
    default:
      return new UsageError(error.message, usage);
  }
}

/**
 * Parses `--flag value`, `--flag=value` and boolean `--flag` against the specs with node:util's
 * parseArgs (strict: unknown flags, stray words and missing values are errors), then applies
 * what parseArgs leaves to us: empty values, choices, a single-valued flag given twice, required flags.
 */
export function parseFlags(args: readonly string[], specs: readonly FlagSpec[], usage?: string): FlagValues {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const spec of specs) {
    options[spec.name] = { type: spec.kind === 'boolean' ? 'boolean' : 'string', multiple: spec.kind === 'strings', ...(spec.short ? { short: spec.short } : {}) };
  }
  let parsed: { values: FlagValues; tokens: { kind: string; name?: string }[] };
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false, tokens: true }) as typeof parsed;
  } catch (error) {
    if ((error as ParseArgsError).code?.startsWith('ERR_PARSE_ARGS_')) throw usageErrorOf(error as ParseArgsError, specs, usage);
    throw error;
  }
  const values: FlagValues = { ...parsed.values };
  if (values.help) return values;
  for (const spec of specs) {
    const value = values[spec.name];
    if (value === undefined) {
      if (spec.required) throw new UsageError(`missing --${spec.name}${spec.placeholder ? ` ${spec.placeholder}` : ''} (${spec.description})`, usage);
      continue;
    }
    if (spec.kind === 'boolean') continue;
    const given = Array.isArray(value) ? value : [value as string];
    if (spec.kind === 'string' && parsed.tokens.filter((token) => token.kind === 'option' && token.name === spec.name).length > 1) {
      throw new UsageError(`--${spec.name} given twice`, usage);
    }
    for (const one of given) {
      if (one === '') throw new UsageError(`--${spec.name} must not be empty`, usage);
      if (spec.choices && !spec.choices.includes(one)) throw new UsageError(`--${spec.name} must be one of ${spec.choices.join(', ')}, got "${one}"`, usage);
    }
  }
  return values;
}
