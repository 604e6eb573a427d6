// The shell commands a document shows: every line of its sh/bash/shell/console code blocks, continuations joined.
import { readFileSync } from 'node:fs';

/** One command as a reader would type it, with where it is written. */
export interface DocCommand {
  /** Repository-relative path of the document. */
  readonly file: string;
  /** 1-based line of the command's first line. */
  readonly line: number;
  /** The heading (## or ###) the block sits under. */
  readonly section: string;
  /** The command without its trailing `# comment`, continuation lines joined with one space. */
  readonly command: string;
  /** The trailing comment, if any (it often states the expected answer). */
  readonly comment: string;
}

const SHELL_FENCE = /^```(sh|bash|shell|console)\s*$/;

/** Strip a trailing ` # comment` that is outside quotes; returns [command, comment]. */
export function splitComment(line: string): [string, string] {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return [line.slice(0, i).trimEnd(), line.slice(i + 1).trim()];
    }
  }
  return [line.trimEnd(), ''];
}

/** Every command in the shell code blocks of `root/file`. */
export function shellCommands(root: string, file: string): DocCommand[] {
  const lines = readFileSync(`${root}/${file}`, 'utf8').split('\n');
  const out: DocCommand[] = [];
  let section = '';
  let inShell = false;
  let inOther = false;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (!inShell && !inOther) {
      if (SHELL_FENCE.test(text)) inShell = true;
      else if (text.startsWith('```')) inOther = true;
      else if (/^#{2,3} /.test(text)) section = text.replace(/^#+ /, '');
      continue;
    }
    if (text.startsWith('```')) {
      inShell = false;
      inOther = false;
      continue;
    }
    if (inOther) continue;
    const start = i + 1;
    let joined = text;
    while (joined.endsWith('\\') && i + 1 < lines.length)
      joined = `${joined.slice(0, -1).trimEnd()} ${lines[++i]!.trim()}`;
    const [command, comment] = splitComment(joined.trim().replace(/^\$ /, ''));
    if (command) out.push({ file, line: start, section, command, comment });
  }
  return out;
}
