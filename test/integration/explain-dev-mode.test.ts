// explain builds its decision from the same startup resolution as serve: in dev mode (no config source) it explains
// against the running dev server's issuer — its keys read from that server's JWKS (same PORT) — so both agree.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { retryOnBindConflict, unusedPort, waitForReadyLine } from '../helpers/ports.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
});

/** `keyway serve` in dev mode on an unused port; its port and the banner's token (read from its 0600 file). */
function devServer(): Promise<{ port: number; token: string }> {
  return retryOnBindConflict(1, async ([port]) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env: { PATH: process.env['PATH'] ?? '', PORT: String(port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    // The banner comes once keyway listens.
    const output = await waitForReadyLine(child, /TOKEN=\$\(cat '[^']+'\)/, 'dev keyway', port!);
    const file = /TOKEN=\$\(cat '([^']+)'\)/.exec(output())![1]!;
    return { port: port!, token: readFileSync(file, 'utf8').trim() };
  });
}

const REQUEST = ['--host', 'app.example.com', '--uri', '/api/items'];

describe('explain in dev mode', () => {
  it('agrees with the running dev server: the server allows, explain allows (exit 0)', async () => {
    const { port, token } = await devServer();
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
    const { token } = await devServer();
    // A port nothing listens on: explain's JWKS fetch is refused there.
    const other = await unusedPort();
    const r = await spawnCli(['explain', '--token', token, ...REQUEST], { PORT: String(other) });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).result).toBe('deny');
    expect(r.stderr).toContain('dev mode');
    expect(r.stderr).toContain(`start \`keyway serve\` (or \`keyway dev\`) with the same PORT`);
  });
});
