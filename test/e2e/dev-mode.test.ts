// `keyway serve` with no config source: the dev banner (on stdout, beside the log lines) and its three curl lines answer 200 with the token
// it names; off a terminal the token is only in a 0600 file, never in the output; SIGTERM drains, exits 0, removes it.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BindConflictError, retryOnBindConflict, saysAddressInUse } from '../helpers/ports.js';

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;
let child: ChildProcess;
let banner = '';
let stdout = '';
let stderr = '';
let port = 0;

/** `keyway serve` on PORT `p` (the banner's curl lines name it, so it is chosen up front); a bind conflict on it is
 *  a BindConflictError, so the start is tried again on another port. */
async function startDevMode(p: number): Promise<void> {
  port = p;
  banner = '';
  stdout = '';
  stderr = '';
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    PORT: String(port),
    LOG_LEVEL: 'info',
  };
  child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner; got:\n${banner}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      banner = stdout;
      if (/nginx auth_request style\n.*\n=+\n/.test(banner)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const said = `${stdout}${stderr}`;
      reject(
        saysAddressInUse(said) ? new BindConflictError('keyway', port, said) : new Error(`exited ${code}`),
      );
    });
  });
}

beforeAll(() => retryOnBindConflict(1, ([p]) => startDevMode(p!)));
afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

const tokenFile = () => /^TOKEN=\$\(cat '([^']+)'\)$/m.exec(banner)?.[1];

describe('dev mode', () => {
  it('off a terminal, names a 0600 token file and never prints the token', () => {
    expect(banner).toContain('NOT FOR PRODUCTION');
    expect(banner).toContain('No config source is set');
    const path = tokenFile();
    expect(path).toBeDefined();
    expect(statSync(path!).mode & 0o777).toBe(0o600);
    expect(readFileSync(path!, 'utf8')).toMatch(new RegExp(`^${JWT.source}\\n$`));
    expect(banner).not.toMatch(JWT);
  });

  it('prints three curl lines that each answer 200 with that token', async () => {
    const token = readFileSync(tokenFile()!, 'utf8').trim();
    const curls = banner.split('\n').filter((l) => l.trim().startsWith('curl '));
    expect(curls).toHaveLength(3);
    // Wait for the key store's first JWKS fetch from keyway itself (readiness), bounded.
    for (let i = 0; i < 100; i++) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (ready?.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const line of curls) {
      const out = execFileSync('bash', ['-c', line.trim().replace('curl -i', 'curl -sS -i --max-time 5')], {
        env: { ...process.env, TOKEN: token },
        timeout: 15_000,
      }).toString();
      expect(out.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
      expect(out.toLowerCase()).toContain('x-auth-subject: dev-user');
      expect(out.toLowerCase()).toContain('x-route-instance-key: t1/demo/v1/i1');
    }
  });

  it('exits 0 on SIGTERM after draining and removes the token file', async () => {
    const path = tokenFile()!;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(path)).toBe(false);
    // Everything the process wrote (its log lines included) is free of the token.
    expect(stdout).toContain('keyway listening');
    expect(stdout).not.toMatch(JWT);
    expect(stderr).not.toMatch(JWT);
  });

  it('on a terminal (npm start in a shell), prints the token itself', async () => {
    // script(1) gives the child a pseudo-terminal; timeout ends it once the banner is out.
    const r = spawnSync(
      'script',
      ['-qec', `timeout -s TERM 6 ${process.execPath} --import tsx src/cli.ts serve`, '/dev/null'],
      {
        // Port 0: the test reads only the banner's token line, so keyway may bind any free port.
        env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.stdout).toMatch(new RegExp(`^TOKEN=${JWT.source}\\r?$`, 'm'));
  });
});
