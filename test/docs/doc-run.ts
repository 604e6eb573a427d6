// Running documented commands for real: a fresh copy of the repository, commands through bash, curl answers parsed
// and checked against what the document's comment says they answer.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PATH with the sbin folders, where Debian puts nginx. */
export const PATH = [process.env['PATH'] ?? '', '/usr/local/sbin', '/usr/sbin', '/sbin'].join(':');

/**
 * A fresh copy of the repository as `git clone` gives it (no node_modules, no dist, nothing ignored), with
 * node_modules linked from this checkout: `npm ci` installs exactly package-lock.json, which this checkout has done.
 */
export function freshCopy(root: string): string {
  const dest = mkdtempSync(join(tmpdir(), 'keyway-docs-clone-'));
  const skip = new Set(['node_modules', 'dist', 'coverage', '.git', 'tmp', '.env']);
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (skip.has(entry.name) || entry.name.endsWith('.log')) continue;
      if (entry.isDirectory()) {
        mkdirSync(join(dest, path));
        walk(path);
      } else if (entry.isFile()) copyFileSync(join(root, path), join(dest, path));
    }
  };
  walk('');
  symlinkSync(join(root, 'node_modules'), join(dest, 'node_modules'));
  return dest;
}

/** A command running in its own process group, its output kept. */
export interface Running {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null after a signal) when the command ends. */
  readonly exited: Promise<number | null>;
  output(): string;
  /** Resolves once the output matches `pattern` (with the match); rejects when the process exits first. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpExecArray>;
  /** SIGTERM the whole group, SIGKILL after 5 s; resolves when it exited. */
  stop(): Promise<void>;
}

/** Start `command` with bash in `cwd` (its own process group, so stop() ends npm's children too). */
export function startCommand(command: string, cwd: string, env: Record<string, string>): Running {
  const child = spawn('bash', ['-c', command], {
    cwd,
    env: { PATH, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    waitFor: (pattern, ms) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(output);
          if (m) {
            done();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${ms} ms from \`${command}\`; output:\n${output}`));
        }, ms);
        const onExit = () => {
          done();
          reject(
            new Error(`\`${command}\` exited (${child.exitCode}) before ${pattern}; output:\n${output}`),
          );
        };
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        waiters.add(check);
        child.once('exit', onExit);
        check();
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const kill = (signal: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      };
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Run `command` with bash to its end (bounded); resolves with its exit code, stdout and stderr. */
export function runCommand(
  command: string,
  cwd: string,
  env: Record<string, string>,
  ms = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      cwd,
      env: { PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`\`${command}\` did not end within ${ms} ms:\n${stdout}\n${stderr}`));
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** An HTTP answer as `curl -i` prints it. */
export interface CurlAnswer {
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Parse `curl -i` output (the last response, when curl printed several). */
export function parseCurl(output: string): CurlAnswer {
  const blocks = output.split(/\r?\n\r?\n/);
  let i = 0;
  while (i + 1 < blocks.length && /^HTTP\/\S+ 1\d\d/.test(blocks[i]!)) i++; // 100 Continue and the like
  const [statusLine = '', ...lines] = (blocks[i] ?? '').split(/\r?\n/);
  const status = Number(/^HTTP\/\S+ (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status, headers, body: blocks.slice(i + 1).join('\n\n') };
}

/** What a command's comment says its answer is: a status, `Header: value` pairs, `"key":"value"` in the body, a
 *  reason code (`missing_token`: the X-Auth-Reason). */
export interface Expected {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: readonly string[];
}

/** Read the expectations from a comment such as `200, X-Auth-Subject: alice` or `401 missing_token`. */
export function expectedFromComment(comment: string): Expected {
  const status = Number(/\b([1-5]\d\d)\b/.exec(comment)?.[1] ?? Number.NaN);
  const headers: Record<string, string> = {};
  for (const [, name, value] of comment.matchAll(/\b([A-Z][A-Za-z-]+): ([\w.-]+)/g))
    headers[name!.toLowerCase()] = value!;
  const body = [...comment.matchAll(/"[\w-]+":"[^"]*"/g)].map((m) => m[0]);
  const reason = /(?:^|[\s(])([a-z]+(?:_[a-z]+)+)\b/.exec(
    comment.replace(/\b[A-Z][A-Za-z-]+: [\w.-]+/g, ''),
  )?.[1];
  if (reason) headers['x-auth-reason'] = reason;
  return { status, headers, body };
}
