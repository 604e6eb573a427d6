// parseCommand: a command's argv read strictly against its COMMANDS entry; every problem is a UsageError.
import { parseArgs } from 'node:util';
import type { CommandSpec, FlagSpec } from './command-spec.js';
import { UsageError } from './usage-error.js';

/** What a command receives: its flags (defaults filled in), its positional value, and whether help was asked. */
export interface ParsedCommand {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positional: string | undefined;
  readonly help: boolean;
}

type ParseOptions = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** The node:util parseArgs options of a command (plus --help/-h). */
export function parseOptions(spec: CommandSpec): ParseOptions {
  const options: ParseOptions = { help: { type: 'boolean', short: 'h' } };
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = {
      type: flag.type,
      ...(flag.multiple ? { multiple: true } : {}),
      ...(flag.short ? { short: flag.short } : {}),
    };
  }
  return options;
}

/** The edit distance of two short strings, a swap of two neighbours counting as one edit (flag-name suggestions). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The nearest name to `word` when it is close enough to be a typo of it (or one is the start of the other). */
export function nearest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const d = distance(word, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3))) return best;
  return names.find(
    (n) => Math.min(n.length, word.length) >= 3 && (word.startsWith(n) || n.startsWith(word)),
  );
}

function unknownFlag(spec: CommandSpec, message: string): UsageError {
  const flag = /'(-{1,2}[^']*)'/.exec(message)?.[1] ?? message;
  const names = Object.keys(spec.flags);
  if (names.length === 0) return new UsageError(`unknown flag ${flag} (${spec.name} takes no flags)`);
  const hint = nearest(flag.replace(/^-+/, '').split('=')[0] ?? '', names);
  return new UsageError(`unknown flag ${flag}${hint === undefined ? '' : ` (did you mean --${hint}?)`}`);
}

function checkValue(name: string, flag: FlagSpec, value: string): void {
  if (flag.choices && !flag.choices.includes(value))
    throw new UsageError(`--${name} ${value}: expected one of ${flag.choices.join(', ')}`);
  const problem = flag.check?.(value);
  if (problem !== undefined) throw new UsageError(`--${name} ${value}: ${problem}`);
}

/** Read `argv` for `spec`; throws UsageError naming the flag and what was expected. */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: parseOptions(spec),
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    const { code, message } = err as { code?: string; message: string };
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw unknownFlag(spec, message);
    const flag = /'(--?[a-z-]+)/.exec(message)?.[1];
    const named = flag === undefined ? undefined : spec.flags[flag.replace(/^-+/, '')];
    if (named?.type === 'string') throw new UsageError(`${flag} needs a value (${named.value ?? 'VALUE'})`);
    throw new UsageError(message.replace(/^Option '([^' ]+)[^']*'/, '$1'));
  }
  const values = { ...parsed.values } as Record<string, string | boolean | string[] | undefined>;
  const help = values['help'] === true;
  delete values['help'];
  if (help) return { values, positional: undefined, help };
  for (const [name, flag] of Object.entries(spec.flags)) {
    const value = values[name];
    if (value === undefined && flag.default !== undefined) values[name] = flag.default;
    for (const v of typeof value === 'string' ? [value] : Array.isArray(value) ? value : [])
      checkValue(name, flag, v);
  }
  return { values, positional: readPositional(spec, parsed.positionals, values), help };
}

function readPositional(
  spec: CommandSpec,
  positionals: readonly string[],
  values: Readonly<Record<string, unknown>>,
): string | undefined {
  const p = spec.positional;
  if (!p) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}: it takes none`);
    return undefined;
  }
  if (positionals.length > 1)
    throw new UsageError(`unexpected argument ${positionals[1]}: give one ${p.name}`);
  const byFlag = p.flag === undefined ? undefined : values[p.flag];
  if (typeof byFlag === 'string' && positionals.length > 0)
    throw new UsageError(`give ${p.name} once: as an argument or as --${p.flag}, not both`);
  const value = typeof byFlag === 'string' ? byFlag : positionals[0];
  if (value === undefined) throw new UsageError(`missing ${p.name}: one of ${p.choices.join(', ')}`);
  if (!p.choices.includes(value)) {
    const hint = nearest(value, p.choices);
    throw new UsageError(
      `unknown ${p.name} ${value}: expected one of ${p.choices.join(', ')}${hint ? ` (did you mean ${hint}?)` : ''}`,
    );
  }
  return value;
}
