// keygen → config → mint → request: `keys: [{ file: DIR/jwks.json }]` takes the JWKS keygen writes (every key, each
// bound to its alg), and `mint --issuer NAME --key DIR/private.pem` signs with that key's alg and kid.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { createTestKeyway } from '../helpers/keyway.js';
import { listeningPorts } from '../helpers/keyway-process.js';

const dir = mkdtempSync(join(tmpdir(), 'keyway-keygen-issuer-'));
const readFile = (p: string) => readFileSync(p, 'utf8');

describe('keygen output as an issuer’s static keys', () => {
  it.each(['EdDSA', 'PS256', 'ES384', 'RS512'])('%s: keygen → keys[].file → mint → 200', async (alg) => {
    const out = join(dir, alg);
    expect((await runCli(['keygen', '--alg', alg, '--out', out, '--kid', `k-${alg}`])).code).toBe(0);
    const config = join(dir, `${alg}.yaml`);
    writeFileSync(
      config,
      [
        'issuers:',
        `  - { name: own, issuer: https://own.example/, audiences: [app], keys: [{ file: ${alg}/jwks.json }] }`,
        'policies: [{ name: all, issuers: [own] }]',
      ].join('\n'),
    );
    const env = { KEYWAY_CONFIG: config };
    const check = await runCli(['check-config'], env);
    expect([check.code, check.stderr]).toEqual([0, '']);
    const mint = await runCli(
      ['mint', '--issuer', 'own', '--key', join(out, 'private.pem'), '--sub', 'u1'],
      env,
    );
    expect([mint.code, mint.stderr]).toEqual([0, '']);
    const token = mint.stdout.trim();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg, kid: `k-${alg}` });
    const kw = await createTestKeyway(readConfigFile(config, {}), { readFile });
    const res = await kw.auth({ authorization: `Bearer ${token}` });
    expect([res.status, res.headers.get('x-auth-subject')]).toEqual([200, 'u1']);
    await kw.close();
  });

  it('every key of a JWKS file, each bound to its alg; kid picks one', async () => {
    const a = join(dir, 'two-a');
    const b = join(dir, 'two-b');
    await runCli(['keygen', '--alg', 'ES256', '--out', a, '--kid', 'a']);
    await runCli(['keygen', '--alg', 'EdDSA', '--out', b, '--kid', 'b']);
    const keys = [a, b].flatMap((d) => JSON.parse(readFileSync(join(d, 'jwks.json'), 'utf8')).keys);
    const jwks = join(dir, 'two.json');
    writeFileSync(jwks, JSON.stringify({ keys }));
    const doc = (extra: string) => ({
      issuers: [
        { name: 'two', issuer: 'https://two.example/', keys: [{ file: jwks, ...JSON.parse(extra) }] },
      ],
      policies: [{ name: 'all' }],
    });
    const kw = await createTestKeyway(doc('{}'), { readFile });
    expect(kw.config.issuers[0]!.keys.map((k) => [k.kid, k.algorithms])).toEqual([
      ['a', ['ES256']],
      ['b', ['EdDSA']],
    ]);
    await kw.close();
    const picked = await createTestKeyway(doc('{"kid":"b"}'), { readFile });
    expect(picked.config.issuers[0]!.keys.map((k) => k.kid)).toEqual(['b']);
    await picked.close();
    await expect(createTestKeyway(doc('{"kid":"c"}'), { readFile })).rejects.toMatchObject({
      codes: ['missing_key'],
    });
  });

  it('a private or empty JWKS is refused with a message about the JWKS', async () => {
    const priv = join(dir, 'private.json');
    writeFileSync(priv, JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }));
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ keys: [] }));
    for (const [file, code] of [
      [priv, 'refused_key'],
      [empty, 'missing_key'],
    ] as const)
      await expect(
        createTestKeyway(
          { issuers: [{ issuer: 'https://x.example/', keys: [{ file }] }], policies: [{ name: 'p' }] },
          {
            readFile,
          },
        ),
      ).rejects.toMatchObject({ codes: expect.arrayContaining([code]) });
  });

  it('the README path: keygen → own.yaml → check-config → mint → serve → /auth 200, from the directory it runs in', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'keyway-readme-own-'));
    const argv = (args: string[]) => [
      '--import',
      join(process.cwd(), 'node_modules/tsx/dist/esm/index.mjs'),
      join(process.cwd(), 'src/cli.ts'),
      ...args,
    ];
    const env = { PATH: process.env['PATH'] ?? '', KEYWAY_CONFIG: 'own.yaml' };
    const cli = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          argv(args),
          { cwd, env, encoding: 'utf8', timeout: 30_000 },
          (e, stdout, stderr) => resolve({ code: e ? Number(e.code) : 0, stdout, stderr }),
        ),
      );
    expect((await cli(['keygen', '--alg', 'EdDSA', '--kid', 'own-1', '--out', 'keys'])).code).toBe(0);
    writeFileSync(
      join(cwd, 'own.yaml'),
      'issuers: [{ name: own, issuer: https://own.example/, audiences: [app], keys: [{ file: keys/jwks.json }] }]\npolicies: [{ name: all, issuers: [own] }]\n',
    );
    const check = await cli(['check-config']);
    expect([check.code, check.stderr]).toEqual([0, '']);
    const mint = await cli(['mint', '--issuer', 'own', '--key', 'keys/private.pem', '--sub', 'alice']);
    expect([mint.code, mint.stderr]).toEqual([0, '']);
    // keyway serve from the directory the README's commands ran in, on port 0 (its port read from its ready line).
    const server = spawn(process.execPath, argv(['serve']), {
      cwd,
      env: { ...env, PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout?.on('data', (c: Buffer) => (output += c));
    server.stderr?.on('data', (c: Buffer) => (output += c));
    const exited = new Promise<{ code: number | null; afterMs: number }>((resolve) =>
      server.once('exit', (code) => resolve({ code, afterMs: 0 })),
    );
    try {
      const { port } = await listeningPorts({ output: () => output, exited });
      const res = await fetch(`http://127.0.0.1:${port}/auth`, {
        headers: { 'x-forwarded-host': 'app.example.com', authorization: `Bearer ${mint.stdout.trim()}` },
      });
      expect([res.status, res.headers.get('x-auth-subject')]).toEqual([200, 'alice']);
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  });
});
