// Runtime errors of the real CLI say what to do: keygen --out, mint --key with the wrong alg or file, mint --issuer
// filling iss/aud/typ from the config (its token then passes against the same config).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { spawnCli } from '../helpers/cli.js';
import { createTestKeyway } from '../helpers/keyway.js';
import { HS_SECRET } from '../helpers/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'keyway-cli-errors-'));
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

describe('keygen --out', () => {
  it('creates a missing directory (and its parents), writes the key 0600, and never overwrites it', async () => {
    const out = join(dir, 'new', 'nested', 'keys');
    const r = await spawnCli(['keygen', '--out', out, '--kid', 'k1']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(statSync(join(out, 'private.pem')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(out, 'jwks.json'), 'utf8')).keys[0].kid).toBe('k1');
    const before = readFileSync(join(out, 'private.pem'), 'utf8');
    const again = await spawnCli(['keygen', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `keyway keygen: ${join(out, 'private.pem')} exists: keygen never overwrites a key; give another --out directory or remove it\n`,
    );
    expect(readFileSync(join(out, 'private.pem'), 'utf8')).toBe(before);
  });

  it('a directory it cannot create: exit 1 naming it and the fix, no stack trace', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const r = await spawnCli(['keygen', '--out', join(file, 'keys')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(
        `^keyway keygen: --out ${join(file, 'keys')}: cannot create the directory \\(E[A-Z]+\\): give a directory you can write, or create it first\\n$`,
      ),
    );
  });
  it.each([
    [
      'under /proc (a kernel filesystem where recursive mkdir never returns)',
      '/proc/keyway-nope/keys',
      'proc',
    ],
    ['under /sys', '/sys/keyway-nope', 'sysfs'],
  ])('a directory %s: exit 1 at once, naming the filesystem', async (_what, out, fs) => {
    // spawnCli kills the child after 30 s: a hang fails this test instead of the run.
    const r = await spawnCli(['keygen', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`keyway keygen: --out ${out}: cannot create the directory`);
    expect(r.stderr).toContain(`kernel's ${fs} filesystem`);
  });
});

describe('mint --key: the key type fixes the algs (the same binding as verification)', () => {
  const keys: Record<string, string> = {};
  beforeAll(() => {
    keys['ec'] = join(dir, 'ec.pem');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', keys['ec']);
    keys['rsa'] = join(dir, 'rsa.pem');
    openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keys['rsa']);
    keys['ed'] = join(dir, 'ed.pem');
    openssl('genpkey', '-algorithm', 'ED25519', '-out', keys['ed']);
    keys['public'] = join(dir, 'public.pem');
    openssl('pkey', '-in', keys['ec'], '-pubout', '-out', keys['public']);
    keys['weak'] = join(dir, 'weak.pem');
    openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', keys['weak']);
  });

  it.each([
    { key: 'ec', alg: 'RS256', says: '(an EC P-384 key) signs ES384 only: use --alg ES384' },
    {
      key: 'rsa',
      alg: 'ES256',
      says: '(an RSA 2048-bit key) signs RS256, RS384, RS512, PS256, PS384, PS512 only',
    },
    { key: 'ed', alg: 'ES256', says: '(an Ed25519 key) signs EdDSA, Ed25519 only: use --alg EdDSA' },
  ])('$key key with --alg $alg → exit 2: $says', async ({ key, alg, says }) => {
    const r = await spawnCli(['mint', '--key', keys[key]!, '--alg', alg]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`keyway mint: --alg ${alg}: ${keys[key]} ${says}`);
  });

  it('without --alg signs with the key’s own alg', async () => {
    for (const [key, alg] of [
      ['ec', 'ES384'],
      ['rsa', 'RS256'],
      ['ed', 'EdDSA'],
    ] as const) {
      const r = await spawnCli(['mint', '--key', keys[key]!, '--sub', 's']);
      expect(r.code).toBe(0);
      expect(decodeProtectedHeader(r.stdout.trim()).alg).toBe(alg);
    }
  });

  it.each([
    { key: 'public', says: 'it is a public key: mint signs with the private key' },
    { key: 'weak', says: 'keyway refuses an RSA 1024-bit key (rsa_too_small)' },
    { key: 'missing', says: 'cannot read the file (ENOENT)' },
  ])('$key → exit 1: $says', async ({ key, says }) => {
    const path = keys[key] ?? join(dir, 'missing.pem');
    const r = await spawnCli(['mint', '--key', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`keyway mint: --key ${path}: ${says}`);
  });
});

describe('mint --issuer', () => {
  const yaml = `issuers:
  - name: internal
    issuer: https://internal.test
    hs_secrets: ["${HS_SECRET}"]
    audiences: [orders, billing]
    typ: at+jwt
  - name: external
    issuer: https://external.test
    jwks_uri: https://external.test/jwks.json
policies:
  - name: api
    audiences: [orders]
`;
  const file = join(dir, 'issuers.yaml');
  writeFileSync(file, yaml);
  // The same config without the JWKS issuer (nothing to fetch): what explain and /auth run on.
  const internal = yaml.slice(0, yaml.indexOf('  - name: external')) + yaml.slice(yaml.indexOf('policies:'));
  const internalFile = join(dir, 'internal.yaml');
  writeFileSync(internalFile, internal);

  it('fills iss, aud and typ from the config: its token passes /auth against the same config (200)', async () => {
    const r = await spawnCli(['mint', '--issuer', 'internal', '--sub', 'svc'], {
      KEYWAY_CONFIG: internalFile,
    });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const token = r.stdout.trim();
    expect(decodeJwt(token)).toMatchObject({ iss: 'https://internal.test', aud: 'orders', sub: 'svc' });
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
    const kw = await createTestKeyway(parseYaml(internal));
    const res = await kw.auth({ authorization: `Bearer ${token}` });
    expect([res.status, res.headers.get('x-auth-reason')]).toEqual([200, null]);
    await kw.close();
    // And `keyway explain` on the same config agrees.
    const explained = await spawnCli(
      ['explain', '--token-file', '-'],
      { KEYWAY_CONFIG: internalFile },
      token,
    );
    expect(explained.code).toBe(0);
  });

  it('an explicit --aud or --iss wins over the config', async () => {
    const r = await spawnCli(['mint', '--issuer', 'internal', '--aud', 'billing', '--iss', 'x'], {
      KEYWAY_CONFIG: file,
    });
    expect(decodeJwt(r.stdout.trim())).toMatchObject({ iss: 'x', aud: 'billing' });
  });

  it('without --exp stays within revocation.max_token_lifetime; a longer --exp gets a note on stderr', async () => {
    const short = join(dir, 'short-lifetime.yaml');
    writeFileSync(short, `${internal}revocation:\n  max_token_lifetime: 15m\n`);
    const r = await spawnCli(['mint', '--issuer', 'internal'], { KEYWAY_CONFIG: short });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const claims = decodeJwt(r.stdout.trim());
    expect(claims.exp! - claims.iat!).toBe(900);
    const long = await spawnCli(['mint', '--issuer', 'internal', '--exp', '2h'], { KEYWAY_CONFIG: short });
    expect(long.code).toBe(0);
    expect(long.stderr).toBe(
      'mint: note: --exp 2h is longer than revocation.max_token_lifetime (900s): keyway answers lifetime_too_long\n',
    );
  });

  it('an --aud the issuer does not accept: signed, with a note that keyway answers bad_audience', async () => {
    const r = await spawnCli(['mint', '--issuer', 'internal', '--aud', 'elsewhere'], {
      KEYWAY_CONFIG: internalFile,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('mint: note: issuer internal accepts aud "orders", "billing"');
    expect(r.stderr).toContain('has "elsewhere": keyway answers bad_audience');
    const ok = await spawnCli(['mint', '--issuer', 'internal', '--aud', 'billing'], {
      KEYWAY_CONFIG: internalFile,
    });
    expect([ok.code, ok.stderr]).toEqual([0, '']);
  });

  it('a required claim with a flag of its own is asked for by that flag (--sub), others by --claim', async () => {
    const required = join(dir, 'required.yaml');
    writeFileSync(
      required,
      internal.replace('    typ: at+jwt\n', '    typ: at+jwt\n    required_claims: [sub, tenant]\n'),
    );
    const r = await spawnCli(['mint', '--issuer', 'internal'], { KEYWAY_CONFIG: required });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('requires the claim sub: add --sub …');
    expect(r.stderr).toContain('requires the claim tenant: add --claim tenant=…');
  });

  it('explain --token-file on an empty file (or empty stdin) says the file is empty: exit 1', async () => {
    const empty = join(dir, 'empty.jwt');
    writeFileSync(empty, '\n');
    for (const [path, says] of [
      [empty, 'the file is empty'],
      ['/dev/null', 'the file is empty'],
      ['-', 'stdin is empty'],
    ] as const) {
      const r = await spawnCli(['explain', '--token-file', path], { KEYWAY_CONFIG: internalFile }, '');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `keyway explain: --token-file ${path}: ${says}: put the token (the compact JWS) in it\n`,
      );
    }
  });

  it('explain --policy NAME that is not configured: exit 2 listing the configured policies, with the usage', async () => {
    const r = await spawnCli(['explain', '--token', 'a.b.c', '--policy', 'nope'], {
      KEYWAY_CONFIG: internalFile,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `keyway explain: --policy nope: no such policy in ${internalFile} (configured: api)`,
    );
    expect(r.stderr).toContain('usage: keyway explain');
  });

  it('an unknown issuer, or one without an HS secret: exit 1 saying what exists and what to give', async () => {
    const unknown = await spawnCli(['mint', '--issuer', 'nope'], { KEYWAY_CONFIG: file });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      `keyway mint: --issuer nope: no such issuer in ${file} (configured: internal, external)\n`,
    );
    const noSecret = await spawnCli(['mint', '--issuer', 'external'], { KEYWAY_CONFIG: file });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain('issuer external has no HS secret to sign with: give --key FILE');
  });
});
