// `keyway serve` as a process: a second SIGTERM (or SIGINT) while draining does not cut the in-flight request, and
// the process still exits 0 once it is answered.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { createTestKey, type JwksServer, startJwksServer } from '../helpers/jwks-server.js';
import { waitForPort } from '../helpers/redis-server.js';

let child: ChildProcess | undefined;
let idp: JwksServer | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await idp?.close();
});

describe('shutdown of a running keyway process', () => {
  it('a second SIGTERM and a SIGINT while draining are logged and ignored; the request completes; exit 0', async () => {
    idp = await startJwksServer();
    // The IdP takes 1.5 s to answer: a request for an unknown kid waits on that fetch while keyway drains.
    const key = createTestKey('k1');
    idp.setKeys([key.jwk]);
    idp.reply('/jwks', {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keys: [key.jwk] }),
      delayMs: 1_500,
    });
    const dir = mkdtempSync(join(tmpdir(), 'keyway-shutdown-'));
    const file = join(dir, 'keyway.yaml');
    const port = await freePort();
    writeFileSync(
      file,
      `server: { host: 127.0.0.1, port: ${port}, shutdown_timeout: 10s }\nlog: { level: info }\n` +
        `issuers:\n  - issuer: https://idp.test\n    jwks_uri: ${idp.jwksUrl}\n    jwks: { retries: 0, timeout: 5s, unknown_kid_cooldown: 0s }\n` +
        'policies:\n  - name: api\n',
    );
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env: { PATH: process.env['PATH'] ?? '', KEYWAY_CONFIG: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (output += c));
    child.stderr!.on('data', (c: Buffer) => (output += c));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await waitForPort(port, 20_000);
    for (let i = 0; i < 100 && idp.count() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1_700)); // the start fetch has answered
    const stranger = createTestKey('not-in-the-set');
    const token = await stranger.sign({
      iss: 'https://idp.test',
      sub: 'u',
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const inFlight = fetch(`http://127.0.0.1:${port}/auth`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await new Promise((r) => setTimeout(r, 300)); // the unknown-kid refetch is under way
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    child.kill('SIGINT');
    const res = await inFlight;
    expect(res.headers.get('x-auth-reason')).toBe('unknown_key');
    expect(await exited).toBe(0);
    expect(output).toContain('already shutting down: still draining');
    // The drained keep-alive connection was closed once idle, not held until shutdown_timeout.
    expect(output).not.toContain('shutdown_timeout reached');
  }, 30_000);
});
