// `keyway serve` with no issuer: the dev banner's token and its three curl lines answer 200; SIGTERM drains and exits 0.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';

let child: ChildProcess;
let banner = '';
let port = 0;

beforeAll(async () => {
  port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner; got:\n${banner}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      if (/nginx auth_request style\n.*\n=+\n/.test(banner)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
});
afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

describe('dev mode', () => {
  it('prints a loud banner, a token and three curl lines that each answer 200', async () => {
    expect(banner).toContain('NOT FOR PRODUCTION');
    const token = /^TOKEN=(\S+)$/m.exec(banner)?.[1];
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
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

  it('exits 0 on SIGTERM after draining', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
