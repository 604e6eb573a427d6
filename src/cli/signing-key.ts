// readSigningKey: a private key PEM for `keyway mint`, bound to the algs its type allows (the same table as verify).
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SigningAlg } from '../config/types.js';
import { algsForKeyObject } from '../keys/key-algs.js';
import { CliError } from './usage-error.js';

/** A key mint can sign with, the algs it may sign, its kid (HS secrets) and how to name it in messages. */
export interface SigningKey {
  readonly key: KeyObject | Uint8Array;
  readonly algs: readonly SigningAlg[];
  readonly kid: string | undefined;
  readonly what: string;
}

const CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** The key type in words, for "that key is EC P-256: use ES256". */
function describe(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') return `an EC ${CURVES[d.namedCurve ?? ''] ?? d.namedCurve ?? ''} key`;
  if (key.asymmetricKeyType?.startsWith('rsa')) return `an RSA ${d.modulusLength ?? '?'}-bit key`;
  if (key.asymmetricKeyType === 'ed25519') return 'an Ed25519 key';
  return `a key of type ${key.asymmetricKeyType ?? 'unknown'}`;
}

/** Read and bind the key in `path`; CliError naming the file and the fix (missing, public, weak, not a key). */
export function readSigningKey(path: string): SigningKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(
      `--key ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    const hint = /-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)
      ? 'it is a public key: mint signs with the private key (private.pem from `keyway keygen --out DIR`)'
      : 'not a private key PEM (`keyway keygen --out DIR` writes one to DIR/private.pem)';
    throw new CliError(`--key ${path}: ${hint}`);
  }
  const bound = algsForKeyObject(createPublicKey(key));
  if ('why' in bound)
    throw new CliError(
      `--key ${path}: keyway refuses ${describe(key)} (${bound.why}): make one with \`keyway keygen\``,
    );
  return { key, algs: bound.algs, kid: undefined, what: `${path} (${describe(key)})` };
}
