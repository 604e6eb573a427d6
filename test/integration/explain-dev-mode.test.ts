// explain builds its decision from the same startup resolution as serve: in dev mode (no config source) it explains
// against the running dev server's issuer — its keys read from that server's JWKS (same PORT) — so both agree.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
});

/** `keyway serve` in dev mode on `port`; resolves with the banner's token (read from its 0600 file). */
async function devServer(port: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env: { PATH: process.env['PATH'] ?? '', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  for (let i = 0; i < 300; i++) {
    const file = /TOKEN=\$\(cat '([^']+)'\)/.exec(out)?.[1];
    if (file) return readFileSync(file, 'utf8').trim();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no dev banner: ${out}`);
}

const REQUEST = ['--host', 'app.example.com', '--uri', '/api/items'];

describe('explain in dev mode', () => {
  it('agrees with the running dev server: the server allows, explain allows (exit 0)', async () => {
    const port = await freePort();
    const token = await devServer(port);
    const served = await fetch(`http://127.0.0.1:${port}/auth`, {
      headers: {
        'x-forwarded-host': 'app.example.com',
        'x-forwarded-uri': '/api/items',
        authorization: `Bearer ${token}`,
      },
    });
    expect(served.status).toBe(200);
    const r = await spawnCli(['explain', '--token', token, ...REQUEST], { PORT: String(port) });
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ result: 'allow', status: 200, policy: 'default' });
    expect(r.stderr).toContain(`http://127.0.0.1:${port}/dev/jwks.json`);
  });

  it('without a dev server on that PORT: a deny, and stderr says explain needs the running dev server', async () => {
    const port = await freePort();
    const token = await devServer(port);
    const other = await freePort();
    const r = await spawnCli(['explain', '--token', token, ...REQUEST], { PORT: String(other) });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).result).toBe('deny');
    expect(r.stderr).toContain('dev mode');
    expect(r.stderr).toContain(`start \`keyway serve\` (or \`keyway dev\`) with the same PORT`);
  });
});
