// Help texts, generated from COMMANDS: the top-level list and each command's usage with every flag.
import type { CommandSpec, FlagSpec } from './command-spec.js';
import { COMMANDS } from './commands.js';

const flagWord = (name: string, flag: FlagSpec) =>
  `--${name}${flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : ''}${flag.multiple ? '…' : ''}`;

/** Words joined into lines of at most `width` columns, every line after the first indented by `indent`. */
function wrap(words: readonly string[], indent: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

/** The one-line synopsis: `keyway mint [--key FILE] …`. */
export function synopsis(spec: CommandSpec): string {
  const positional = spec.positional ? ` ${spec.positional.choices.join('|')}` : '';
  const flags = Object.entries(spec.flags).map(([n, f]) => `[${flagWord(n, f)}]`);
  return wrap([`keyway ${spec.name}${positional}`, ...flags], ' '.repeat(15 + spec.name.length));
}

/** The usage of one command: synopsis, summary, one line per flag (with its choices and default), notes. */
export function commandHelp(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags).map(([name, flag]) => {
    const extra = [
      flag.choices ? `one of ${flag.choices.join(', ')}` : undefined,
      flag.default === undefined ? undefined : `default ${flag.default}`,
    ].filter((x) => x !== undefined);
    return [flagWord(name, flag), `${flag.help}${extra.length > 0 ? `; ${extra.join('; ')}` : ''}`] as const;
  });
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([w]) => w.length));
  const lines = rows.map(([w, h]) => `  ${w.padEnd(width)}  ${h}`);
  const positional = spec.positional
    ? [`  ${spec.positional.name}: ${spec.positional.choices.join(', ')}`]
    : [];
  const notes = (spec.notes ?? []).map((n) => `  ${n}`);
  return [
    `usage: ${synopsis(spec)}`,
    '',
    `${spec.summary}.`,
    '',
    ...positional,
    ...lines,
    ...(notes.length ? ['', ...notes] : []),
    '',
  ].join('\n');
}

/** The top-level help: every command with its summary and its flags. */
export function topHelp(): string {
  const specs = Object.values(COMMANDS);
  const width = Math.max(...specs.map((s) => s.name.length));
  const commands = specs.map((s) => {
    const flags = Object.entries(s.flags).map(([n, f]) => flagWord(n, f));
    const positional = s.positional ? s.positional.choices.join('|') : '';
    const indent = ' '.repeat(width + 6);
    const usage =
      flags.length || positional
        ? `\n${indent}${wrap([...(positional ? [positional] : []), ...flags], indent, 100)}`
        : '';
    return `  ${s.name.padEnd(width)}  ${s.summary}${usage}`;
  });
  return `usage: keyway [command] [flags]

Commands (\`keyway\` alone runs \`keyway serve\`):
${commands.join('\n')}

  keyway help COMMAND, keyway COMMAND --help   that command's usage and flags
  keyway --version                             print the version
Exit codes: 0 success, 1 runtime or config error, 2 usage error, 3 explain: deny.
`;
}
