// readOrReport: read a file the config names, or push an unreadable_file problem naming the path and the fix.
import type { ConfigProblem } from '../errors.js';
import type { ConfigIo } from './types.js';

/** The text of `path`, or undefined with an unreadable_file problem at `at`. */
export function readOrReport(
  io: ConfigIo,
  path: string,
  at: string,
  problems: ConfigProblem[],
): string | undefined {
  try {
    return io.readFile(path);
  } catch (err) {
    problems.push({
      path: at,
      code: 'unreadable_file',
      message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}): create it readable by keyway, or fix the path`,
    });
    return undefined;
  }
}
