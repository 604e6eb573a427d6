// `keyway keygen`: a signing key pair — private PKCS#8 PEM and the public JWKS to publish.
import { accessSync, constants, existsSync, mkdirSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import type { CommandRun } from './command-run.js';
import { CliError } from './usage-error.js';

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

/** Kernel filesystems (proc, sysfs) where no key file belongs; Node's recursive mkdir never returns on some. */
const VIRTUAL_FS = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
]);

/** The nearest existing ancestor of `dir` (itself included). */
function nearestExisting(dir: string): string {
  let at = resolve(dir);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

/**
 * Create DIR (and its parents) for the key files, one level at a time below its nearest existing ancestor, once that
 * ancestor is known to be a writable directory on a normal filesystem; CliError naming the directory and the fix.
 */
function ensureDirectory(dir: string): void {
  const fail = (why: string): never => {
    throw new CliError(
      `--out ${dir}: cannot create the directory (${why}): give a directory you can write, or create it first`,
    );
  };
  const base = nearestExisting(dir);
  try {
    if (!statSync(base).isDirectory()) fail('ENOTDIR');
    const fs = VIRTUAL_FS.get(statfsSync(base).type);
    if (fs !== undefined) fail(`${base} is on the kernel's ${fs} filesystem, no place for key files`);
    accessSync(base, constants.W_OK);
  } catch (err) {
    if (err instanceof CliError) throw err;
    fail(errno(err));
  }
  const missing: string[] = [];
  for (let at = resolve(dir); at !== base; at = dirname(at)) missing.unshift(at);
  for (const level of missing) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (err) {
      fail(errno(err));
    }
  }
}

/** Write a new file; never replaces an existing key (CliError naming the file). */
function writeNew(path: string, text: string, mode: number): void {
  try {
    writeFileSync(path, text, { mode, flag: 'wx' });
  } catch (err) {
    const code = errno(err);
    throw new CliError(
      code === 'EEXIST'
        ? `${path} exists: keygen never overwrites a key; give another --out directory or remove it`
        : `cannot write ${path} (${code}): give a directory you can write`,
    );
  }
}

/** Run keygen; with --out DIR writes private.pem (mode 0600) and jwks.json, else prints both. */
export const runKeygen: CommandRun = async ({ values }, io) => {
  const alg = values['alg'] as string;
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    modulusLength: Number(values['bits']),
  });
  const kid =
    (values['kid'] as string | undefined) ?? `${alg.toLowerCase()}-${new Date().toISOString().slice(0, 10)}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }] };
  const pem = await exportPKCS8(privateKey);
  const dir = values['out'] as string | undefined;
  if (dir === undefined) {
    io.out(`${pem}\n${JSON.stringify(jwks, null, 2)}\n`);
    return 0;
  }
  ensureDirectory(dir);
  const [pemPath, jwksPath] = [join(dir, 'private.pem'), join(dir, 'jwks.json')];
  const existing = [pemPath, jwksPath].find((p) => existsSync(p));
  if (existing !== undefined)
    throw new CliError(
      `${existing} exists: keygen never overwrites a key; give another --out directory or remove it`,
    );
  writeNew(pemPath, pem, 0o600);
  writeNew(jwksPath, `${JSON.stringify(jwks, null, 2)}\n`, 0o644);
  io.out(`wrote ${pemPath} and ${jwksPath} (kid ${kid})\n`);
  return 0;
};
