// `keyway keygen`: a signing key pair — private PKCS#8 PEM and the public JWKS to publish.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import type { CommandRun } from './command-run.js';
import { CliError } from './usage-error.js';

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

/** Create DIR (and its parents) for the key files; CliError naming the directory and the fix when it cannot. */
function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new CliError(
      `--out ${dir}: cannot create the directory (${errno(err)}): give a directory you can write, or create it first`,
    );
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
