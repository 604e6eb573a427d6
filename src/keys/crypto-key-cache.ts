// cryptoKeyFor: the WebCrypto key jose verifies with, imported once per (key, alg) instead of on every request.
import { KeyObject } from 'node:crypto';
import { importJWK } from 'jose';
import type { SigningAlg } from '../config/types.js';
import type { VerificationKey } from './keys.js';

type JoseKey = Parameters<typeof import('jose').compactVerify>[1];

const HMAC_HASH = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' } as const;
const cache = new WeakMap<VerificationKey, Map<string, Promise<JoseKey>>>();

async function importFor(key: VerificationKey, alg: SigningAlg): Promise<JoseKey> {
  if (key.key instanceof KeyObject) {
    return (await importJWK(key.key.export({ format: 'jwk' }) as never, alg)) as JoseKey;
  }
  const hash = HMAC_HASH[alg as keyof typeof HMAC_HASH];
  if (!hash) return key.key;
  return crypto.subtle.importKey('raw', key.key, { name: 'HMAC', hash }, false, ['verify']);
}

/**
 * The key in the form jose verifies fastest (a CryptoKey bound to `alg`), cached for the life of the key object; a key
 * that cannot be imported falls back to the key itself, so jose gives the same verdict it would have given anyway.
 */
export function cryptoKeyFor(key: VerificationKey, alg: SigningAlg): Promise<JoseKey> {
  let byAlg = cache.get(key);
  if (!byAlg) {
    byAlg = new Map();
    cache.set(key, byAlg);
  }
  let found = byAlg.get(alg);
  if (!found) {
    found = importFor(key, alg).catch(() => key.key);
    byAlg.set(alg, found);
  }
  return found;
}
