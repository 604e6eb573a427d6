// createVerifiedCache: tokens whose signature already verified, by SHA-256, so a repeat skips the crypto (as Envoy's jwt_cache).
import { createHash } from 'node:crypto';
import type { Issuer, SigningAlg } from '../config/types.js';
import type { VerificationKey } from './keys.js';

/** A token whose signature verified with `key`; claims are re-checked on every use (they depend on the time). */
export interface VerifiedEntry {
  readonly issuer: Issuer;
  readonly alg: SigningAlg;
  readonly kid: string | undefined;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly key: VerificationKey;
  /** Drop the entry after this (seconds): the token's exp, so the cache never holds dead tokens. */
  readonly expiresAt: number;
}

export interface VerifiedCache {
  get(token: string, nowSec: number): VerifiedEntry | undefined;
  set(token: string, entry: VerifiedEntry): void;
  delete(token: string): void;
}

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A bounded LRU of `max` entries (0 disables it: get always misses). Keys are digests, never the token itself. */
export function createVerifiedCache(max: number): VerifiedCache {
  const entries = new Map<string, VerifiedEntry>();
  return {
    get(token, nowSec) {
      if (max === 0) return undefined;
      const id = digest(token);
      const entry = entries.get(id);
      if (!entry) return undefined;
      entries.delete(id);
      if (entry.expiresAt <= nowSec) return undefined;
      entries.set(id, entry);
      return entry;
    },
    set(token, entry) {
      if (max === 0) return;
      const id = digest(token);
      entries.delete(id);
      entries.set(id, entry);
      if (entries.size > max) entries.delete(entries.keys().next().value as string);
    },
    delete(token) {
      entries.delete(digest(token));
    },
  };
}
